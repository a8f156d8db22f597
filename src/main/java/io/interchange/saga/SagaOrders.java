package io.interchange.saga;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Exchange;

/**
 * Reads an order placed with {@code POST /orders} (bean {@code sagaOrders}, first step of routes/order-saga.yaml):
 * a JSON object with an {@code orderId} (a string of 1 to 256 characters without control characters, or an
 * integer). Anything else is answered 400 with the reason, and the route stops before a saga is started. The size
 * is bounded before this runs ({@link OrderBodyLimitFilter}).
 */
public class SagaOrders {

    static final int MAX_ORDER_ID_CHARS = 256;

    private final ObjectMapper json = new ObjectMapper();

    public void accept(Exchange exchange) throws JsonProcessingException {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        String problem;
        JsonNode order = null;
        if (body == null || body.length == 0) {
            problem = "the body is empty: send the order as a JSON object";
        } else {
            try {
                order = json.readTree(body);
                problem = order != null && order.isObject() ? orderIdProblem(order.get("orderId"))
                        : "the body is JSON but not an object";
            } catch (IOException e) {
                // The parser's message names line and column; its class name and source excerpt stay out.
                problem = "the body is not JSON: " + firstLine(e.getMessage());
            }
        }
        if (problem != null) {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("status", "rejected");
            answer.put("reason", problem);
            exchange.getMessage().setHeaders(new java.util.HashMap<>());
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            exchange.getMessage().setBody(json.writeValueAsString(answer));
            exchange.setRouteStop(true);
            return;
        }
        exchange.setProperty("order", new String(body, StandardCharsets.UTF_8));
        exchange.setProperty("orderId", order.get("orderId").asText());
    }

    private static String orderIdProblem(JsonNode orderId) {
        if (orderId == null || orderId.isNull()) {
            return "orderId is missing";
        }
        if (orderId.isIntegralNumber()) {
            return null;
        }
        if (!orderId.isTextual()) {
            return "orderId must be a string or an integer";
        }
        String id = orderId.asText();
        if (id.isEmpty() || id.length() > MAX_ORDER_ID_CHARS) {
            return "orderId must have 1 to " + MAX_ORDER_ID_CHARS + " characters";
        }
        if (id.codePoints().anyMatch(Character::isISOControl)) {
            return "orderId must not contain control characters";
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        String line = message.lines().findFirst().orElse("unreadable");
        // Jackson appends the location on a later line ("at [Source: ...; line: 1, column: 3]"); keep the gist.
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}

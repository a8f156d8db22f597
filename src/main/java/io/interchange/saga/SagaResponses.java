package io.interchange.saga;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Exchange;

/** The HTTP answer to a placed order, once its saga closed or was cancelled; updates the ledger. */
public class SagaResponses {

    private final SagaLedger ledger;
    private final ObjectMapper json = new ObjectMapper();

    public SagaResponses(SagaLedger ledger) {
        this.ledger = ledger;
    }

    public void closed(Exchange exchange) throws JsonProcessingException {
        String sagaId = exchange.getProperty("sagaId", String.class);
        ledger.closed(sagaId);
        respond(exchange, 200, sagaId, "completed", null);
    }

    public void cancelled(Exchange exchange) throws JsonProcessingException {
        String sagaId = exchange.getProperty("sagaId", String.class);
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = failure == null ? "unknown" : failure.getMessage() != null ? failure.getMessage()
                : failure.getClass().getSimpleName();
        if (sagaId == null) {
            // The saga did not even start (coordinator unreachable, pool full): nothing to compensate.
            respond(exchange, 503, null, "not-started", reason);
            return;
        }
        ledger.cancelled(sagaId, reason);
        respond(exchange, 409, sagaId, "compensating", reason);
    }

    private void respond(Exchange exchange, int code, String sagaId, String status, String reason)
            throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("orderId", exchange.getProperty("orderId", String.class));
        body.put("sagaId", sagaId);
        body.put("status", status);
        if (reason != null) {
            body.put("reason", reason);
        }
        exchange.getMessage().setHeaders(new java.util.HashMap<>());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, code);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(json.writeValueAsString(body));
    }
}

package io.interchange.routetests;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.interchange.cloudevents.CloudEventCodec;
import io.interchange.cloudevents.CloudEventLimits;
import io.interchange.cloudevents.EventEnvelope;
import io.interchange.cloudevents.HeaderBinding;

/**
 * A message as a test file gives it: a CloudEvent ({@code event:} with its attributes and {@code data} or
 * {@code data_base64}, as in the CloudEvents JSON format) written in the binding of the source it is sent
 * to, binary or structured ({@code mode}); or a raw {@code body} (text, a map or list as JSON) or
 * {@code body-base64}. Beside either: wire {@code headers} and the {@code key}. Events are written as
 * given, valid or not, so that invalid ones can be tested.
 */
record MessageFixture(TestFileNode event, boolean structured, TestFileNode body, byte[] bodyBytes,
        Map<String, TestFileNode> headers, String key) {

    /** The keys of a test file item that describe the message. */
    static final Set<String> KEYS = Set.of("event", "mode", "body", "body-base64", "headers", "key");

    private static final String STRUCTURED_JSON = "application/cloudevents+json; charset=UTF-8";
    private static final CloudEventCodec CODEC = new CloudEventCodec(CloudEventLimits.DEFAULT);

    /** The message on the wire: headers in the source's binding (or as given) and the body. */
    record Wire(Map<String, Object> headers, byte[] body, String key) {
    }

    static MessageFixture parse(Map<String, TestFileNode> item, TestFileNode at) {
        TestFileNode event = item.get("event");
        TestFileNode body = item.get("body");
        TestFileNode base64 = item.get("body-base64");
        int given = (event != null ? 1 : 0) + (body != null ? 1 : 0) + (base64 != null ? 1 : 0);
        if (given != 1) {
            throw at.invalid("give the message as one of event, body or body-base64");
        }
        boolean structured = false;
        if (item.containsKey("mode")) {
            if (event == null) {
                throw item.get("mode").invalid("mode is for events");
            }
            structured = item.get("mode").word(Set.of("binary", "structured")).equals("structured");
        }
        if (event != null) {
            event.map().forEach((name, value) -> {
                if (!name.equals("data") && !value.isScalar()) {
                    throw value.invalid("an attribute is a single value");
                }
            });
            if (event.map().containsKey("data") && event.map().containsKey("data_base64")) {
                throw event.invalid("data and data_base64 exclude each other");
            }
        }
        byte[] bytes = null;
        if (base64 != null) {
            try {
                bytes = Base64.getDecoder().decode(base64.text());
            } catch (IllegalArgumentException e) {
                throw base64.invalid("not base64: " + e.getMessage());
            }
        }
        Map<String, TestFileNode> headers = item.containsKey("headers") ? item.get("headers").map() : Map.of();
        headers.forEach((name, value) -> {
            if (!value.isScalar()) {
                throw value.invalid("a header is a single value");
            }
        });
        String key = item.containsKey("key") ? item.get("key").text() : null;
        MessageFixture fixture = new MessageFixture(event, structured, body, bytes, headers, key);
        if (event != null) {
            fixture.envelope(UnaryOperator.identity());
        }
        return fixture;
    }

    boolean isEvent() {
        return event != null;
    }

    /**
     * The wire form in {@code binding} (null for a source without one: then only raw bodies), after
     * {@code substitute} was applied to every text (replies fill in {@code ${request.<attribute>}}).
     */
    Wire render(HeaderBinding binding, UnaryOperator<String> substitute) {
        Map<String, Object> wire = new LinkedHashMap<>();
        byte[] payload;
        if (event != null) {
            if (binding == null) {
                throw new IllegalStateException("this source has no CloudEvents binding: send a body and headers");
            }
            EventEnvelope envelope = envelope(substitute);
            if (structured) {
                wire.put(binding.contentTypeHeader(), STRUCTURED_JSON);
                payload = CODEC.json().write(envelope);
            } else {
                wire.putAll(binding.writeBinary(envelope));
                payload = envelope.data();
            }
        } else if (bodyBytes != null) {
            payload = bodyBytes;
        } else {
            payload = dataBytes(body.value(), substitute);
        }
        headers.forEach((name, value) -> wire.put(name, scalar(value.value(), substitute)));
        return new Wire(wire, payload, key == null ? null : substitute.apply(key));
    }

    private EventEnvelope envelope(UnaryOperator<String> substitute) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("specversion", "1.0");
        byte[] data = null;
        for (Map.Entry<String, TestFileNode> attribute : event.map().entrySet()) {
            switch (attribute.getKey()) {
                case "data" -> data = dataBytes(attribute.getValue().value(), substitute);
                case "data_base64" -> {
                    try {
                        data = Base64.getDecoder().decode(attribute.getValue().text());
                    } catch (IllegalArgumentException e) {
                        throw attribute.getValue().invalid("not base64: " + e.getMessage());
                    }
                }
                default -> attributes.put(attribute.getKey(), scalar(attribute.getValue().value(), substitute));
            }
        }
        return new EventEnvelope(attributes, data);
    }

    /** Text as its UTF-8 bytes; a map, list, number or boolean as JSON. */
    private static byte[] dataBytes(Object value, UnaryOperator<String> substitute) {
        if (value instanceof String text) {
            return substitute.apply(text).getBytes(StandardCharsets.UTF_8);
        }
        try {
            return ContentExpectation.JSON.writeValueAsBytes(substituted(value, substitute));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value + " as JSON", e);
        }
    }

    private static Object substituted(Object value, UnaryOperator<String> substitute) {
        if (value instanceof String text) {
            return substitute.apply(text);
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, substituted(v, substitute)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(substituted(v, substitute)));
            return copy;
        }
        return value;
    }

    /** Strings, whole numbers and booleans keep their type (AMQP carries them natively); the rest is text. */
    private static Object scalar(Object value, UnaryOperator<String> substitute) {
        if (value instanceof Integer || value instanceof Boolean) {
            return value;
        }
        return substitute.apply(String.valueOf(value));
    }
}

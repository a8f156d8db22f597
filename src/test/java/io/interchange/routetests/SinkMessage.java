package io.interchange.routetests;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.interchange.cloudevents.CloudEventAttributes;
import io.interchange.cloudevents.CloudEventCodec;
import io.interchange.cloudevents.CloudEventLimits;
import io.interchange.cloudevents.ContentMode;
import io.interchange.cloudevents.HeaderBinding;
import io.interchange.cloudevents.InvalidCloudEventException;
import io.interchange.cloudevents.StructuredJsonFormat;
import io.interchange.deadletter.DeadLetterHeaders;

/**
 * A message as it reached a sink or a dead-letter destination, read the way that broker's binding carries
 * it: the event (binary or structured), its data, the raw body and headers, and for a dead letter its
 * reason and the rest (as headers, or on SQS from the one JSON attribute, with a base64 body decoded).
 */
record SinkMessage(Map<String, Object> headers, byte[] body, HeaderBinding binding, Map<String, String> deadLetter) {

    private static final CloudEventCodec CODEC = new CloudEventCodec(CloudEventLimits.DEFAULT);

    static SinkMessage of(Map<String, Object> wireHeaders, byte[] body, HeaderBinding binding) {
        return new SinkMessage(new LinkedHashMap<>(wireHeaders), body, binding, Map.of());
    }

    /** A dead letter: the original message with the dead-letter fields taken out of where its destination keeps them. */
    static SinkMessage deadLetter(Map<String, Object> wireHeaders, byte[] body, HeaderBinding binding) {
        Map<String, Object> headers = new LinkedHashMap<>(wireHeaders);
        Map<String, String> fields = new LinkedHashMap<>();
        Object sqs = headers.get(DeadLetterHeaders.SQS_ATTRIBUTE);
        if (sqs != null) {
            try {
                JsonNode document = ContentExpectation.JSON.readTree(sqs.toString());
                document.fields().forEachRemaining(field -> {
                    if (field.getKey().equals("headers")) {
                        // original attributes that did not fit beside the dead-letter attribute
                        field.getValue().fields().forEachRemaining(h -> headers.putIfAbsent(h.getKey(), h.getValue().asText()));
                    } else {
                        fields.put(field.getKey(), field.getValue().asText());
                    }
                });
            } catch (JsonProcessingException e) {
                fields.put("unreadable", sqs.toString());
            }
            if ("base64".equals(fields.get("body-encoding")) && body != null) {
                body = Base64.getDecoder().decode(body);
            }
        } else {
            headers.forEach((name, value) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.startsWith("interchange-dlq-")) {
                    fields.put(lower.substring("interchange-dlq-".length()), ValueMatcher.text(value));
                } else if (lower.equals(CloudEventAttributes.VIOLATIONS_HEADER)) {
                    fields.put("ce-violations", ValueMatcher.text(value));
                }
            });
        }
        return new SinkMessage(headers, body, binding, fields);
    }

    /**
     * The event as a reader of this broker finds it: structured or in the binding's headers (another
     * binding's when these have none). Not validated, so that the attributes of an invalid event that was
     * dead-lettered can be checked too.
     *
     * @throws InvalidCloudEventException when the message carries no event
     */
    CloudEventCodec.Read event() {
        String contentType = HeaderBinding.contentType(headers);
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents")) {
            StructuredJsonFormat.Parsed parsed = CODEC.json().parse(body);
            return new CloudEventCodec.Read(parsed.event(), ContentMode.STRUCTURED, parsed.impliedJson());
        }
        for (HeaderBinding candidate : binding == null ? List.of(HeaderBinding.KAFKA, HeaderBinding.AMQP)
                : List.of(binding, HeaderBinding.KAFKA, HeaderBinding.AMQP)) {
            if (candidate.hasAttributeHeaders(headers)) {
                return new CloudEventCodec.Read(candidate.readBinary(headers, body), ContentMode.BINARY, false);
            }
        }
        throw new InvalidCloudEventException(List.of("no ce_* or cloudEvents:* headers, and the content type "
                + (contentType == null ? "is not set" : "is " + contentType)));
    }

    /** A dead-letter field by the name a test file uses (reason, attempts, violations, ...). */
    String deadLetterField(String name) {
        return deadLetter.get(name.equals("violations") ? "ce-violations" : name);
    }

    /** A header by name, ignoring letter case as Camel does. */
    Object header(String name) {
        Object value = headers.get(name);
        if (value != null) {
            return value;
        }
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }
}

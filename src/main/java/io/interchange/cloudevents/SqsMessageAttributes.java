package io.interchange.cloudevents;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * SQS has no CloudEvents binding; the gateway's mapping (docs/cloudevents.md) follows the Kafka one:
 * each attribute as a String message attribute {@code ce_<attribute>}, {@code datacontenttype} as
 * {@code content-type}, the data as the message body (base64 when it is not valid UTF-8, because an
 * SQS body is text; see the SQS components). SQS allows 10 message attributes per message: an event
 * that needs more, has a value SQS cannot carry (empty), has no data (SQS bodies are never empty) or data
 * that is not SQS text goes in structured mode instead.
 */
public final class SqsMessageAttributes {

    /** Message attributes SQS accepts on one message. */
    public static final int SQS_MAX_MESSAGE_ATTRIBUTES = 10;

    /** SQS attribute names: letters, digits, underscore, hyphen and period, at most 256 characters. */
    private static final Pattern SQS_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,256}");

    private SqsMessageAttributes() {
    }

    /** The String message attributes of the event in binary mode, or empty when it must go structured. */
    public static Optional<Map<String, String>> binary(EventEnvelope event, int maxAttributes) {
        // An SQS body is never empty: an event without data goes as a structured document without data.
        if (event.data() == null || !isSqsText(event.data())) {
            return Optional.empty();
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> header : HeaderBinding.SQS.writeBinary(event).entrySet()) {
            String value = header.getValue().toString();
            if (value.isEmpty() || !SQS_NAME.matcher(header.getKey()).matches()) {
                return Optional.empty();
            }
            attributes.put(header.getKey(), value);
        }
        return attributes.size() <= maxAttributes ? Optional.of(attributes) : Optional.empty();
    }

    /** SQS bodies are XML 1.0 characters: no NUL and no other C0 control except tab, line feed and carriage return. */
    static boolean isSqsText(byte[] data) {
        Optional<String> text = StructuredJsonFormat.utf8(data);
        return text.isPresent() && text.get().chars().noneMatch(c -> c < 0x20 && c != '\t' && c != '\n' && c != '\r'
                || c == 0xFFFE || c == 0xFFFF);
    }

    /** The message attributes of a structured-mode message. */
    public static Map<String, String> structured() {
        return Map.of(HeaderBinding.SQS.contentTypeHeader(), MediaTypes.STRUCTURED_JSON);
    }
}

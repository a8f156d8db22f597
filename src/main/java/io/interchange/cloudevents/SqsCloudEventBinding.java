package io.interchange.cloudevents;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * SQS has no CloudEvents binding; the gateway's mapping (docs/cloudevents.md) follows the Kafka one:
 * each attribute as a String message attribute {@code ce_<attribute>}, {@code datacontenttype} as
 * {@code content-type}, the data as the message body (base64 when it is not valid UTF-8, because an
 * SQS body is text; see the SQS components). SQS allows 10 message attributes per message: an event
 * that needs more, has a value SQS cannot carry (empty, or not SQS text: U+FFFE and U+FFFF are valid Unicode
 * but no character SQS takes), has no data (SQS bodies are never empty) or data that is not SQS text goes in
 * structured mode instead, where those two characters are written as JSON escapes.
 */
public final class SqsCloudEventBinding {

    /** Message attributes SQS accepts on one message. */
    public static final int SQS_MAX_MESSAGE_ATTRIBUTES = 10;

    /** SQS attribute names: letters, digits, underscore, hyphen and period, at most 256 characters. */
    private static final Pattern SQS_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,256}");

    private SqsCloudEventBinding() {
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
            if (value.isEmpty() || !isSqsText(value) || !SQS_NAME.matcher(header.getKey()).matches()) {
                return Optional.empty();
            }
            attributes.put(header.getKey(), value);
        }
        return attributes.size() <= maxAttributes ? Optional.of(attributes) : Optional.empty();
    }

    /** SQS bodies are XML 1.0 characters: no NUL and no other C0 control except tab, line feed and carriage return. */
    static boolean isSqsText(byte[] data) {
        Optional<String> text = StructuredJsonFormat.utf8(data);
        return text.isPresent() && isSqsText(text.get());
    }

    private static boolean isSqsText(String text) {
        return text.chars().noneMatch(c -> c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF);
    }

    /**
     * A structured event as SQS can carry it: U+FFFE and U+FFFF as JSON escapes (a backslash, "u" and the four
     * hex digits). In a JSON document they can only stand inside strings, where the escape is the same
     * character, so a reader gets the same event back. (The other characters SQS refuses, C0 controls, JSON
     * escapes already; a valid event holds no unpaired surrogate.)
     */
    static byte[] escapeNoncharacters(byte[] json) {
        int at = indexOfNoncharacter(json, 0);
        if (at < 0) {
            return json;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 16);
        int from = 0;
        while (at >= 0) {
            out.write(json, from, at - from);
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8; EF only ever starts a character.
            out.writeBytes((json[at + 2] == (byte) 0xBE ? "\\ufffe" : "\\uffff").getBytes(StandardCharsets.US_ASCII));
            from = at + 3;
            at = indexOfNoncharacter(json, from);
        }
        out.write(json, from, json.length - from);
        return out.toByteArray();
    }

    private static int indexOfNoncharacter(byte[] bytes, int from) {
        for (int i = from; i + 2 < bytes.length; i++) {
            if (bytes[i] == (byte) 0xEF && bytes[i + 1] == (byte) 0xBF
                    && (bytes[i + 2] == (byte) 0xBE || bytes[i + 2] == (byte) 0xBF)) {
                return i;
            }
        }
        return -1;
    }

    /** The message attributes of a structured-mode message. */
    public static Map<String, String> structured() {
        return Map.of(HeaderBinding.SQS.contentTypeHeader(), MediaTypes.STRUCTURED_JSON);
    }
}

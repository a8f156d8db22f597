package io.interchange.routetests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NumericNode;

/**
 * What an event's data or a message's body must be. {@code data: text} is the exact text,
 * {@code data: {a map or list}} equal JSON (member order and spacing aside), {@code data-contains: text}
 * a part of the text, {@code data-contains: {map}} JSON that has at least these members with these values,
 * {@code data-base64: ...} the exact bytes. The same for {@code body}, {@code body-contains}, {@code body-base64}.
 */
record ContentExpectation(String field, Kind kind, String text, byte[] bytes, JsonNode json) {

    enum Kind { TEXT, BYTES, JSON, CONTAINS_TEXT, CONTAINS_JSON }

    static final ObjectMapper JSON = new ObjectMapper();

    /** Numbers compare by value: 42 in the test file equals 42.0 on the wire. */
    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> {
        if (a instanceof NumericNode x && b instanceof NumericNode y) {
            return x.decimalValue().compareTo(y.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    /** {@code field} is data, body or response body; {@code form} the key: "", "-contains" or "-base64". */
    static ContentExpectation parse(String field, String form, TestFileNode node) {
        String name = field + form;
        return switch (form) {
            case "" -> node.isScalar() && !(node.value() instanceof Number) && !(node.value() instanceof Boolean)
                    ? new ContentExpectation(name, Kind.TEXT, node.text(), null, null)
                    : new ContentExpectation(name, Kind.JSON, null, null, JSON.valueToTree(node.value()));
            case "-contains" -> node.isScalar()
                    ? new ContentExpectation(name, Kind.CONTAINS_TEXT, node.text(), null, null)
                    : new ContentExpectation(name, Kind.CONTAINS_JSON, null, null, JSON.valueToTree(node.value()));
            default -> {
                try {
                    yield new ContentExpectation(name, Kind.BYTES, null, Base64.getDecoder().decode(node.text()), null);
                } catch (IllegalArgumentException e) {
                    throw node.invalid("not base64: " + e.getMessage());
                }
            }
        };
    }

    /** Null when {@code actual} (null: none) is as expected, else what differs. */
    String mismatch(byte[] actual) {
        String shown = actual == null ? "none" : show(actual);
        switch (kind) {
            case BYTES:
                return actual != null && Arrays.equals(bytes, actual) ? null
                        : "expected base64 " + Base64.getEncoder().encodeToString(bytes) + ", was " + shown;
            case TEXT:
                return actual != null && text.equals(new String(actual, StandardCharsets.UTF_8)) ? null
                        : "expected " + ValueMatcher.quote(text) + ", was " + shown;
            case CONTAINS_TEXT:
                return actual != null && new String(actual, StandardCharsets.UTF_8).contains(text) ? null
                        : "expected text containing " + ValueMatcher.quote(text) + ", was " + shown;
            default:
                JsonNode parsed = parse(actual);
                if (parsed == null) {
                    return "expected JSON " + json + ", was " + (actual == null ? "none" : "not JSON: " + shown);
                }
                if (kind == Kind.JSON) {
                    return json.equals(NUMBERS_BY_VALUE, parsed) ? null : "expected JSON " + json + ", was " + parsed;
                }
                String missing = missing(json, parsed, "");
                return missing == null ? null : "expected JSON containing " + json + ", was " + parsed + " (" + missing + ")";
        }
    }

    private static JsonNode parse(byte[] actual) {
        if (actual == null || actual.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(actual);
        } catch (IOException e) {
            return null;
        }
    }

    /** Where {@code actual} lacks part of {@code expected}, or null when it has all of it. */
    private static String missing(JsonNode expected, JsonNode actual, String at) {
        if (expected.isObject()) {
            if (!actual.isObject()) {
                return (at.isEmpty() ? "the document" : at) + " is not an object";
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = expected.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                String path = at.isEmpty() ? field.getKey() : at + "." + field.getKey();
                JsonNode value = actual.get(field.getKey());
                if (value == null) {
                    return path + " is missing";
                }
                String inner = missing(field.getValue(), value, path);
                if (inner != null) {
                    return inner;
                }
            }
            return null;
        }
        return expected.equals(NUMBERS_BY_VALUE, actual) ? null : at + " is " + actual;
    }

    /** Bytes as a report shows them: quoted text, or base64 when they are not text. */
    static String show(byte[] bytes) {
        String text = ValueMatcher.utf8(bytes);
        if (text == null) {
            return "bytes (base64) " + Base64.getEncoder().encodeToString(bytes);
        }
        return ValueMatcher.quote(text);
    }
}

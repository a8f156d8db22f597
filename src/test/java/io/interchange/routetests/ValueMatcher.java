package io.interchange.routetests;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What one header, attribute, key or dead-letter field must be. In a test file: a plain value (equal,
 * compared as text), or one of {@code {contains: text}}, {@code {matches: regex}} (the whole value),
 * {@code {present: true}}, {@code {absent: true}}.
 */
record ValueMatcher(Kind kind, String operand, Pattern pattern) {

    enum Kind { EQUALS, CONTAINS, MATCHES, PRESENT, ABSENT }

    private static final Set<String> FORMS = Set.of("equals", "contains", "matches", "present", "absent");

    static ValueMatcher parse(TestFileNode node) {
        if (node.isNull()) {
            throw node.invalid("expected a value, or one of {contains: ...}, {matches: ...}, {present: true}, {absent: true}");
        }
        if (node.isScalar()) {
            return new ValueMatcher(Kind.EQUALS, node.text(), null);
        }
        Map<String, TestFileNode> form = node.map(FORMS);
        if (form.size() != 1) {
            throw node.invalid("say one of equals, contains, matches, present, absent");
        }
        Map.Entry<String, TestFileNode> only = form.entrySet().iterator().next();
        TestFileNode operand = only.getValue();
        return switch (only.getKey()) {
            case "equals" -> new ValueMatcher(Kind.EQUALS, operand.text(), null);
            case "contains" -> new ValueMatcher(Kind.CONTAINS, operand.text(), null);
            case "matches" -> {
                try {
                    yield new ValueMatcher(Kind.MATCHES, operand.text(), Pattern.compile(operand.text(), Pattern.DOTALL));
                } catch (PatternSyntaxException e) {
                    throw operand.invalid("not a regular expression: " + e.getDescription());
                }
            }
            case "present" -> new ValueMatcher(operand.bool() ? Kind.PRESENT : Kind.ABSENT, null, null);
            default -> new ValueMatcher(operand.bool() ? Kind.ABSENT : Kind.PRESENT, null, null);
        };
    }

    static ValueMatcher equalTo(String value) {
        return new ValueMatcher(Kind.EQUALS, value, null);
    }

    /** Null when {@code actual} (null: absent) is as expected, else what was expected and what was found. */
    String mismatch(Object actual) {
        String text = actual == null ? null : text(actual);
        boolean ok = switch (kind) {
            case EQUALS -> operand.equals(text);
            case CONTAINS -> text != null && text.contains(operand);
            case MATCHES -> text != null && pattern.matcher(text).matches();
            case PRESENT -> text != null;
            case ABSENT -> text == null;
        };
        return ok ? null : "expected " + expected() + ", was " + (text == null ? "absent" : quote(text));
    }

    String expected() {
        return switch (kind) {
            case EQUALS -> quote(operand);
            case CONTAINS -> "text containing " + quote(operand);
            case MATCHES -> "text matching /" + operand + "/";
            case PRESENT -> "present";
            case ABSENT -> "absent";
        };
    }

    /** A value as the test file compares it: text, byte arrays as UTF-8 (or base64 when they are not). */
    static String text(Object value) {
        if (value instanceof byte[] bytes) {
            return utf8(bytes) != null ? utf8(bytes) : "base64:" + Base64.getEncoder().encodeToString(bytes);
        }
        return String.valueOf(value);
    }

    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Quoted, control characters escaped and long values cut, so a report stays one readable line. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        int limit = 300;
        for (int i = 0; i < text.length() && i < limit; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 || c == 0xFFFE || c == 0xFFFF ? String.format("\\u%04x", (int) c) : c);
            }
        }
        out.append('"');
        if (text.length() > limit) {
            out.append("... (").append(text.length()).append(" characters)");
        }
        return out.toString();
    }
}

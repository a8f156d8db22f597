package io.interchange.cloudevents;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.interchange.observability.TraceContext;

/**
 * Checks an event against CloudEvents 1.0.2 and the gateway's size limits, and reports every
 * violation, not only the first, each naming the attribute and the rule.
 */
public final class CloudEventValidator {

    private static final Pattern EXTENSION_NAME = Pattern.compile("[a-z0-9]+");
    private static final int MAX_EXTENSION_NAME_LENGTH = 20;
    /** RFC 3339 date-time; the value is then checked for a real date and time. */
    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");
    /** W3C Trace Context, version 00 layout; version ff is invalid. */
    /**
     * Sources that parsed as URI references: a stream has a few, and parsing one per event was a visible part of
     * the read cost. Bounded, so a producer sending ever new sources only costs the parse.
     */
    private static final int MAX_REMEMBERED_SOURCES = 1024;
    private static final Map<String, Boolean> VALID_SOURCES = new ConcurrentHashMap<>();
    private static final List<String> OPTIONAL_CONTEXT = List.of(CloudEventAttributes.DATACONTENTTYPE,
            CloudEventAttributes.DATASCHEMA, CloudEventAttributes.SUBJECT, CloudEventAttributes.TIME);
    private final CloudEventLimits limits;
    private final StructuredJsonFormat json;

    public CloudEventValidator(CloudEventLimits limits) {
        this.limits = limits;
        this.json = new StructuredJsonFormat(limits);
    }

    /** Throws {@link InvalidCloudEventException} with every violation when the event is not valid. */
    public EventEnvelope requireValid(EventEnvelope event) {
        List<String> violations = violations(event);
        if (!violations.isEmpty()) {
            throw new InvalidCloudEventException(violations);
        }
        return event;
    }

    public List<String> violations(EventEnvelope event) {
        List<String> violations = new ArrayList<>();
        Map<String, Object> attributes = event.attributes();
        if (attributes.size() > limits.maxAttributes()) {
            violations.add("event has " + attributes.size() + " attributes, more than the limit of " + limits.maxAttributes());
        }
        long total = 0;
        for (Map.Entry<String, Object> attribute : attributes.entrySet()) {
            String name = attribute.getKey();
            Object value = attribute.getValue();
            if (CloudEventAttributes.isExtension(name)) {
                checkExtensionName(name, violations);
            }
            if (!(value instanceof String || value instanceof Integer || value instanceof Boolean)) {
                violations.add("attribute '" + printable(name) + "' has a value of type "
                        + (value == null ? "null" : value.getClass().getSimpleName())
                        + "; attributes are strings, integers or booleans");
                continue;
            }
            if (!CloudEventAttributes.isExtension(name) && !(value instanceof String)) {
                violations.add("attribute '" + name + "' must be a string, was " + value);
                continue;
            }
            String text = value.toString();
            total += text.length();
            if (text.length() > limits.maxAttributeLength()) {
                violations.add("attribute '" + printable(name) + "' is " + text.length()
                        + " characters long, more than the limit of " + limits.maxAttributeLength());
            } else {
                // No lambdas here: a capturing one is allocated per attribute of every event, violation or not.
                Optional<String> control = controlCharacter(text);
                if (control.isPresent()) {
                    violations.add("attribute '" + printable(name) + "' contains the control character " + control.get());
                }
                Optional<String> surrogate = unpairedSurrogate(text);
                if (surrogate.isPresent()) {
                    violations.add("attribute '" + printable(name) + "' is not valid Unicode: " + surrogate.get());
                }
            }
        }
        if (total > limits.maxAttributesLength()) {
            violations.add("attribute values are " + total + " characters together, more than the limit of "
                    + limits.maxAttributesLength());
        }
        for (String required : CloudEventAttributes.REQUIRED) {
            Object value = attributes.get(required);
            if (value == null) {
                violations.add("required attribute '" + required + "' is missing");
            } else if (value.toString().isEmpty()) {
                violations.add("required attribute '" + required + "' is empty");
            }
        }
        String specversion = string(attributes, CloudEventAttributes.SPECVERSION);
        if (specversion != null && !specversion.isEmpty() && !specversion.equals(CloudEventAttributes.SPEC_VERSION_1_0)) {
            violations.add("specversion must be '1.0', was '" + shorten(specversion) + "'");
        }
        String source = string(attributes, CloudEventAttributes.SOURCE);
        if (source != null && !source.isEmpty() && !VALID_SOURCES.containsKey(source)) {
            Optional<String> problem = uriProblem(source);
            if (problem.isEmpty() && VALID_SOURCES.size() < MAX_REMEMBERED_SOURCES) {
                VALID_SOURCES.put(source, Boolean.TRUE);
            }
            problem.ifPresent(p -> violations.add("source '" + shorten(source)
                    + "' is not a URI-reference: " + p));
        }
        for (String optional : OPTIONAL_CONTEXT) {
            if ("".equals(string(attributes, optional))) {
                violations.add("attribute '" + optional + "' is present but empty");
            }
        }
        String dataschema = string(attributes, CloudEventAttributes.DATASCHEMA);
        if (dataschema != null && !dataschema.isEmpty()) {
            Optional<String> problem = uriProblem(dataschema);
            if (problem.isPresent()) {
                violations.add("dataschema '" + shorten(dataschema) + "' is not a URI: " + problem.get());
            } else if (!URI.create(dataschema).isAbsolute()) {
                violations.add("dataschema '" + shorten(dataschema) + "' is not an absolute URI");
            }
        }
        String time = string(attributes, CloudEventAttributes.TIME);
        if (time != null && !time.isEmpty() && !isRfc3339(time)) {
            violations.add("time '" + shorten(time) + "' is not an RFC 3339 timestamp");
        }
        String traceparent = string(attributes, CloudEventAttributes.TRACEPARENT);
        if (traceparent != null && !TraceContext.isValid(traceparent)) {
            violations.add("traceparent '" + shorten(traceparent) + "' is not a W3C Trace Context traceparent");
        }
        checkData(event, string(attributes, CloudEventAttributes.DATACONTENTTYPE), violations);
        return violations;
    }

    private void checkData(EventEnvelope event, String contentType, List<String> violations) {
        if (contentType == null || contentType.isEmpty()) {
            return;
        }
        MediaTypes.Facts facts = MediaTypes.facts(contentType);
        if (!facts.valid()) {
            violations.add("datacontenttype '" + shorten(contentType) + "' is not a media type (RFC 2046 type/subtype)");
            return;
        }
        byte[] data = event.data();
        if (data == null) {
            return;
        }
        if (facts.json()) {
            json.jsonProblem(data).ifPresent(p -> violations.add("data is not valid JSON although datacontenttype is '"
                    + shorten(contentType) + "': " + p));
        } else if (facts.declaresUtf8() && StructuredJsonFormat.utf8(data).isEmpty()) {
            violations.add("data is not valid UTF-8 although datacontenttype '" + shorten(contentType) + "' declares it");
        }
    }

    private static void checkExtensionName(String name, List<String> violations) {
        if (name.isEmpty()) {
            violations.add("an extension attribute has an empty name");
        } else if (!EXTENSION_NAME.matcher(name).matches()) {
            violations.add("extension attribute name '" + printable(name)
                    + "' must consist of lower-case letters a-z and digits 0-9 only");
        } else if (name.length() > MAX_EXTENSION_NAME_LENGTH) {
            violations.add("extension attribute name '" + shorten(name) + "' is " + name.length()
                    + " characters long, more than 20");
        } else if (CloudEventAttributes.JSON_DATA_MEMBERS.contains(name)) {
            violations.add("'" + name + "' is reserved for the event data and cannot be an attribute");
        }
    }

    private static boolean isRfc3339(String time) {
        if (!RFC3339.matcher(time).matches()) {
            return false;
        }
        try {
            OffsetDateTime.parse(time.toUpperCase(Locale.ROOT));
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static Optional<String> uriProblem(String value) {
        try {
            new URI(value);
            return Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of(e.getReason() + " at index " + e.getIndex());
        }
    }

    private static Optional<String> controlCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
                return Optional.of(String.format("U+%04X at index %d", (int) c, i));
            }
        }
        return Optional.empty();
    }

    /** A string that cannot be encoded as UTF-8 (every broker's binding would replace the character). */
    static Optional<String> unpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of(String.format("unpaired surrogate U+%04X at index %d", (int) c, i));
            }
        }
        return Optional.empty();
    }

    private static String string(Map<String, Object> attributes, String name) {
        Object value = attributes.get(name);
        return value == null ? null : value.toString();
    }

    /** Values go into log lines and headers: keep them short and printable. */
    static String shorten(String value) {
        String printable = printable(value);
        return printable.length() <= 64 ? printable : printable.substring(0, 64) + "...(" + value.length() + " chars)";
    }

    private static String printable(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), 80));
        for (int i = 0; i < value.length() && out.length() < 200; i++) {
            char c = value.charAt(i);
            out.append(c < 0x20 || c >= 0x7f && c <= 0x9f ? String.format("\\u%04x", (int) c) : c);
        }
        return out.toString();
    }
}

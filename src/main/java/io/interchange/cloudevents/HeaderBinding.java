package io.interchange.cloudevents;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Binary content mode of a protocol binding whose attributes travel as prefixed message headers
 * (Kafka record headers, AMQP application properties, SQS message attributes) with the data's
 * media type in a content-type field and the data as the message body.
 */
public class HeaderBinding {

    /** Kafka protocol binding 1.0.2: {@code ce_<attribute>} record headers, {@code content-type} header. */
    public static final HeaderBinding KAFKA = new HeaderBinding("kafka", "ce_", List.of(), "content-type", false);

    /**
     * AMQP protocol binding 1.0.2: {@code cloudEvents:<attribute>} application properties (on RabbitMQ:
     * message headers), content type in the AMQP content-type property. Later revisions of the binding
     * prefer {@code cloudEvents_}; both are read, a message mixing them is rejected.
     */
    public static final HeaderBinding AMQP = new HeaderBinding("amqp", "cloudEvents:", List.of("cloudEvents_"),
            "Content-Type", true);

    /** The gateway's SQS mapping (docs/cloudevents.md): String message attributes {@code ce_<attribute>}, {@code content-type}. */
    public static final HeaderBinding SQS = new HeaderBinding("sqs", "ce_", List.of(), "content-type", false);

    private static final List<String> CONTENT_TYPE_HEADERS = List.of("content-type", "contentType");

    private final String name;
    private final String prefix;
    private final List<String> readPrefixes;
    private final String contentTypeHeader;
    private final boolean nativeTypes;
    private final PrefixedNames names;

    HeaderBinding(String name, String prefix, List<String> alternativePrefixes, String contentTypeHeader,
            boolean nativeTypes) {
        this.name = name;
        this.prefix = prefix;
        List<String> prefixes = new ArrayList<>();
        prefixes.add(prefix);
        prefixes.addAll(alternativePrefixes);
        this.readPrefixes = List.copyOf(prefixes);
        this.contentTypeHeader = contentTypeHeader;
        this.nativeTypes = nativeTypes;
        this.names = new PrefixedNames(prefix);
    }

    public static HeaderBinding named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "kafka" -> KAFKA;
            case "amqp", "rabbitmq" -> AMQP;
            case "sqs" -> SQS;
            default -> throw new IllegalArgumentException("Unknown CloudEvents binding '" + name
                    + "'; use kafka, amqp or sqs");
        };
    }

    public String name() {
        return name;
    }

    public String headerName(String attribute) {
        return names.of(attribute);
    }

    public String contentTypeHeader() {
        return contentTypeHeader;
    }

    /**
     * The prefix a header of this binding starts with (matched case-insensitively), or null. The prefix alone
     * ({@code ce_}, {@code cloudEvents:}) is a header of the binding too: an attribute with an empty name, which
     * makes the event invalid, rather than an unknown header that read would leave on the message for the sinks.
     */
    String prefixOf(String header) {
        for (String p : readPrefixes) {
            if (header.length() >= p.length() && header.regionMatches(true, 0, p, 0, p.length())) {
                return p;
            }
        }
        return null;
    }

    public boolean hasAttributeHeaders(Map<String, Object> headers) {
        for (String header : headers.keySet()) {
            if (prefixOf(header) != null) {
                return true;
            }
        }
        return false;
    }

    /** A header that belongs to this binding's representation of an event. */
    public boolean ownsHeader(String header) {
        return prefixOf(header) != null;
    }

    /**
     * The event in a binary-mode message, read strictly: an attribute header whose prefix or attribute name
     * is in another letter case ({@code CE_id}, {@code ce_ID}, {@code cloudevents_id}), or whose value has
     * a type the binding does not give attributes, makes the message invalid. The result is not validated yet.
     *
     * @throws InvalidCloudEventException for those problems
     */
    public EventEnvelope readBinary(Map<String, Object> headers, byte[] body) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        List<String> prefixesSeen = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, Object> header : headers.entrySet()) {
            String name = header.getKey();
            String p = prefixOf(name);
            if (p == null || header.getValue() == null) {
                continue;
            }
            // prefixOf returns one of readPrefixes itself
            if (!prefixesSeen.contains(p)) {
                prefixesSeen.add(p);
            }
            String attribute = name.substring(p.length());
            if (!name.startsWith(p)) {
                violations.add("header '" + CloudEventValidator.shorten(name) + "' is not an attribute header of the "
                        + this.name + " binding: its prefix is '" + p + "', in that letter case");
            } else if (!attribute.equals(attribute.toLowerCase(Locale.ROOT))) {
                violations.add("header '" + CloudEventValidator.shorten(name) + "' names the attribute in upper case;"
                        + " CloudEvents attribute names are lower case");
            } else {
                Object value = readValue(name, attribute, header.getValue(), violations);
                if (value != null) {
                    attributes.put(attribute, value);
                }
            }
        }
        if (prefixesSeen.size() > 1) {
            violations.add("attribute headers mix the prefixes " + prefixesSeen + "; a message uses one of them");
        }
        if (!violations.isEmpty()) {
            throw new InvalidCloudEventException(violations);
        }
        String contentType = contentType(headers);
        if (contentType != null) {
            attributes.put(CloudEventAttributes.DATACONTENTTYPE, contentType);
        }
        return new EventEnvelope(ordered(attributes), body == null || body.length == 0 ? null : body);
    }

    /**
     * An attribute value as this binding carries it. Kafka and SQS carry every attribute as a string (an SQS
     * Number or Binary attribute is not one). AMQP also has native types: integers and booleans for
     * extensions, a timestamp for {@code time} and extensions, binary for extensions (read as its canonical
     * base64 string); any other AMQP type is no CloudEvents type.
     */
    private Object readValue(String header, String attribute, Object value, List<String> violations) {
        if (value instanceof String) {
            return value;
        }
        boolean extension = CloudEventAttributes.isExtension(attribute);
        if (!nativeTypes) {
            if (value instanceof byte[] bytes && this != SQS) {
                Optional<String> text = StructuredJsonFormat.utf8(bytes);
                if (text.isPresent()) {
                    return text.get();
                }
                violations.add("header '" + CloudEventValidator.shorten(header) + "' is not valid UTF-8");
                return null;
            }
            violations.add("header '" + CloudEventValidator.shorten(header) + "' is " + describeType(value)
                    + "; the " + name + " binding carries attributes as strings");
            return null;
        }
        if (value instanceof Date date && (extension || attribute.equals(CloudEventAttributes.TIME))) {
            return date.toInstant().toString();
        }
        if (extension) {
            if (value instanceof Integer || value instanceof Boolean) {
                return value;
            }
            if ((value instanceof Long || value instanceof Short || value instanceof Byte)
                    && ((Number) value).longValue() == (int) ((Number) value).longValue()) {
                return ((Number) value).intValue();
            }
            if (value instanceof byte[] bytes) {
                return Base64.getEncoder().encodeToString(bytes);
            }
        }
        violations.add("header '" + CloudEventValidator.shorten(header) + "' is " + describeType(value) + ", which is"
                + " not a type the AMQP binding gives " + (extension ? "an extension" : "the attribute '" + attribute + "'"));
        return null;
    }

    private String describeType(Object value) {
        if (this == SQS && value instanceof Number) {
            return "an SQS Number attribute";
        }
        if (this == SQS && value instanceof byte[]) {
            return "an SQS Binary attribute";
        }
        if (value instanceof byte[]) {
            return "binary";
        }
        if (value instanceof Long n && n.longValue() != n.intValue()) {
            return "the integer " + n + ", outside the 32-bit range of CloudEvents integers";
        }
        return "of type " + value.getClass().getSimpleName();
    }

    /** The headers that carry the event's attributes in binary mode; the data is the body. */
    public Map<String, Object> writeBinary(EventEnvelope event) {
        Map<String, Object> headers = new LinkedHashMap<>();
        event.attributes().forEach((attribute, value) -> {
            if (attribute.equals(CloudEventAttributes.DATACONTENTTYPE)) {
                headers.put(contentTypeHeader, value.toString());
            } else {
                headers.put(names.of(attribute), nativeTypes && (value instanceof Integer || value instanceof Boolean)
                        ? value : value.toString());
            }
        });
        return headers;
    }

    /** The content type of a message as the source left it in the exchange headers. */
    public static String contentType(Map<String, Object> headers) {
        for (String header : CONTENT_TYPE_HEADERS) {
            Object value = headers.get(header);
            if (value == null) {
                // Camel's headers are case-insensitive; plain maps (tests, SQS attributes) are not.
                value = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(header))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
            }
            if (value != null) {
                return attributeValue(value).toString();
            }
        }
        return null;
    }

    static boolean isContentTypeHeader(String header) {
        // per header of every message: no stream
        for (String contentType : CONTENT_TYPE_HEADERS) {
            if (contentType.equalsIgnoreCase(header)) {
                return true;
            }
        }
        return false;
    }

    /** Strings stay strings; AMQP's native integers and booleans keep their type, its timestamps become RFC 3339. */
    static Object attributeValue(Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof Integer || value instanceof Boolean || value instanceof String) {
            return value;
        }
        if ((value instanceof Long || value instanceof Short || value instanceof Byte)
                && ((Number) value).longValue() == (int) ((Number) value).longValue()) {
            return ((Number) value).intValue();
        }
        if (value instanceof Date date) {
            return date.toInstant().toString();
        }
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        return value.toString();
    }

    /** Context attributes first in spec order, then extensions as they came. */
    static Map<String, Object> ordered(Map<String, Object> attributes) {
        Map<String, Object> ordered = new LinkedHashMap<>();
        for (String context : CloudEventAttributes.CONTEXT) {
            if (attributes.containsKey(context)) {
                ordered.put(context, attributes.get(context));
            }
        }
        attributes.forEach(ordered::putIfAbsent);
        return ordered;
    }

    @Override
    public String toString() {
        return name;
    }
}

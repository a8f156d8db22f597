package io.interchange.cloudevents;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A corpus of broken events as they arrive from a broker (headers as the sources hand them to the
 * route, body bytes), each with the words its violation must contain, and valid events to send
 * between them.
 */
public final class MalformedEvents {

    public static final String STRUCTURED = "application/cloudevents+json; charset=UTF-8";

    /**
     * One broken event. {@code wire} is the headers in the order the broker delivers them, repeats included
     * (a Kafka record may carry a header twice); {@code headers} is the same as a map, as a Camel route sees
     * them (the last of a repeated name wins). {@code binding} is the binding it is read with, null for auto.
     */
    public record Case(String name, List<Map.Entry<String, Object>> wire, byte[] body, String reason, HeaderBinding binding) {

        Case(String name, Map<String, Object> headers, byte[] body, String reason) {
            this(name, List.copyOf(headers.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList()),
                    body, reason, null);
        }

        public Map<String, Object> headers() {
            Map<String, Object> headers = new LinkedHashMap<>();
            wire.forEach(e -> headers.put(e.getKey(), e.getValue()));
            return headers;
        }

        /** Only a source reading the wire can see what is wrong with it (a repeated name, bytes that are not UTF-8). */
        public boolean wireOnly() {
            return wire.stream().map(e -> e.getKey().toLowerCase(java.util.Locale.ROOT)).distinct().count() < wire.size()
                    || wire.stream().anyMatch(e -> e.getValue() instanceof byte[]);
        }

        /** Whether a Kafka record can carry it: header values are UTF-8 bytes, so no unpaired surrogate. */
        public boolean encodableAsUtf8() {
            return wire.stream().noneMatch(e -> e.getValue() instanceof String text
                    && CloudEventValidator.unpairedSurrogate(text).isPresent());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private MalformedEvents() {
    }

    public static Map<String, Object> validKafkaHeaders(String id) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("ce_specversion", "1.0");
        headers.put("ce_id", id);
        headers.put("ce_source", "/orders/order-service");
        headers.put("ce_type", "com.example.orders.order.created");
        headers.put("ce_time", "2026-01-25T10:30:00Z");
        headers.put("content-type", "application/json");
        return headers;
    }

    public static byte[] validData(String id) {
        return ("{\"orderId\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    public static String validStructured(String id, String extra) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"/orders/order-service\","
                + "\"type\":\"com.example.orders.order.created\"" + extra + "}";
    }

    public static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        binary(cases, "missing id", h -> h.remove("ce_id"), "required attribute 'id' is missing");
        binary(cases, "missing source", h -> h.remove("ce_source"), "required attribute 'source' is missing");
        binary(cases, "missing type", h -> h.remove("ce_type"), "required attribute 'type' is missing");
        binary(cases, "missing specversion", h -> h.remove("ce_specversion"), "required attribute 'specversion' is missing");
        binary(cases, "empty id", h -> h.put("ce_id", ""), "required attribute 'id' is empty");
        binary(cases, "empty source", h -> h.put("ce_source", ""), "required attribute 'source' is empty");
        binary(cases, "empty type", h -> h.put("ce_type", ""), "required attribute 'type' is empty");
        binary(cases, "specversion 0.3", h -> h.put("ce_specversion", "0.3"), "specversion must be '1.0', was '0.3'");
        binary(cases, "specversion 1.0.2", h -> h.put("ce_specversion", "1.0.2"), "specversion must be '1.0', was '1.0.2'");
        binary(cases, "time with a space", h -> h.put("ce_time", "2018-04-05 17:31:00Z"),
                "time '2018-04-05 17:31:00Z' is not an RFC 3339 timestamp");
        binary(cases, "time month 13", h -> h.put("ce_time", "2018-13-05T17:31:00Z"), "time '2018-13-05T17:31:00Z' is not");
        binary(cases, "time without offset", h -> h.put("ce_time", "2018-04-05T17:31:00"), "is not an RFC 3339 timestamp");
        binary(cases, "empty time", h -> h.put("ce_time", ""), "attribute 'time' is present but empty");
        binary(cases, "extension name upper case", h -> h.put("ce_comExample", "x"),
                "header 'ce_comExample' names the attribute in upper case; CloudEvents attribute names are lower case");
        binary(cases, "extension name with hyphen", h -> h.put("ce_my-ext", "x"), "extension attribute name 'my-ext' must");
        binary(cases, "attribute header with an empty name", h -> h.put("ce_", "x"), "an extension attribute has an empty name");
        binary(cases, "extension name of 21 characters", h -> h.put("ce_abcdefghijklmnopqrstu", "x"),
                "extension attribute name 'abcdefghijklmnopqrstu' is 21 characters long, more than 20");
        binary(cases, "source not a URI-reference", h -> h.put("ce_source", "/my context"),
                "source '/my context' is not a URI-reference");
        binary(cases, "dataschema relative", h -> h.put("ce_dataschema", "/schemas/order.json"),
                "dataschema '/schemas/order.json' is not an absolute URI");
        binary(cases, "huge attribute value", h -> h.put("ce_subject", "x".repeat(5000)),
                "attribute 'subject' is 5000 characters long, more than the limit of 2048");
        binary(cases, "too many attributes", h -> {
            for (int i = 0; i < 40; i++) {
                h.put("ce_ext" + i, "v");
            }
        }, "event has 46 attributes, more than the limit of 32");
        binary(cases, "attribute values too long together", h -> {
            for (int i = 0; i < 10; i++) {
                h.put("ce_ext" + i, "v".repeat(2000));
            }
        }, "more than the limit of 16384");
        binary(cases, "control character in subject", h -> h.put("ce_subject", "a\u0000b"),
                "attribute 'subject' contains the control character U+0000 at index 1");
        binary(cases, "invalid traceparent", h -> h.put("ce_traceparent", "00-xyz-01"),
                "traceparent '00-xyz-01' is not a W3C Trace Context traceparent");
        binary(cases, "datacontenttype not a media type", h -> h.put("content-type", "json"),
                "datacontenttype 'json' is not a media type");
        cases.add(new Case("JSON content type but the data is not JSON", validKafkaHeaders("x"),
                "<order/>".getBytes(StandardCharsets.UTF_8), "data is not valid JSON although datacontenttype is 'application/json'"));
        Map<String, Object> utf8 = validKafkaHeaders("x");
        utf8.put("content-type", "text/plain; charset=utf-8");
        cases.add(new Case("charset=utf-8 but not UTF-8", utf8, new byte[] {'a', (byte) 0xc3, 0x28},
                "data is not valid UTF-8 although datacontenttype 'text/plain; charset=utf-8' declares it"));
        cases.add(new Case("not a CloudEvent", new LinkedHashMap<>(Map.of("content-type", "application/json")),
                validData("x"), "not a CloudEvent: no ce_*"));
        Map<String, Object> mixed = new LinkedHashMap<>();
        mixed.put("cloudEvents:specversion", "1.0");
        mixed.put("cloudEvents:id", "1");
        mixed.put("cloudEvents_source", "/s");
        mixed.put("cloudEvents_type", "com.example.x.happened");
        cases.add(new Case("AMQP prefixes mixed", mixed, null, "attribute headers mix the prefixes"));

        structured(cases, "structured specversion 2.0", "{\"specversion\":\"2.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}",
                "specversion must be '1.0', was '2.0'");
        structured(cases, "structured missing everything", "{}", "required attribute 'specversion' is missing");
        structured(cases, "structured extension with underscore", validStructured("1", ",\"my_ext\":\"x\""),
                "extension attribute name 'my_ext' must consist of lower-case");
        structured(cases, "invalid JSON", "{\"specversion\":\"1.0\",\"id\" \"1\"}", "invalid JSON: Unexpected character");
        structured(cases, "truncated JSON", validStructured("1", ",\"data\":{\"orderId\":\"1\"}").substring(0, 80),
                "invalid JSON: Unexpected end-of-input");
        structured(cases, "deep nesting", validStructured("1", ",\"data\":" + "[".repeat(100) + "]".repeat(100)),
                "invalid JSON: Document nesting depth (65) exceeds the maximum allowed (64");
        structured(cases, "not a JSON object", "[" + validStructured("1", "") + "]", "structured event is not a JSON object");
        structured(cases, "empty structured body", "", "structured event is empty");
        structured(cases, "content after the event", validStructured("1", "") + " {}", "content after the end of the event object");
        structured(cases, "duplicate member", validStructured("1", ",\"id\":\"2\""), "invalid JSON: Duplicate field 'id'");
        structured(cases, "data and data_base64", validStructured("1", ",\"data\":{},\"data_base64\":\"AA==\""),
                "data and data_base64 are both present");
        structured(cases, "invalid base64", validStructured("1", ",\"data_base64\":\"***\""), "data_base64 is not valid base64");
        structured(cases, "attribute is an object", validStructured("1", ",\"comexample\":{\"a\":1}"),
                "attribute 'comexample' is a JSON object; attributes must be strings, integers or booleans");
        structured(cases, "attribute is a fraction", validStructured("1", ",\"comexample\":1.5"),
                "attribute 'comexample' is 1.5; attribute numbers must be integers");
        structured(cases, "integer out of range", validStructured("1", ",\"comexample\":2147483648"),
                "outside the Integer range of CloudEvents");
        structured(cases, "id is a number", "{\"specversion\":\"1.0\",\"id\":5,\"source\":\"/s\",\"type\":\"t\"}",
                "attribute 'id' must be a string, was 5");
        structured(cases, "XML content type with object data", validStructured("1",
                ",\"datacontenttype\":\"application/xml\",\"data\":{\"a\":1}"),
                "data must be a JSON string because datacontenttype 'application/xml' does not declare JSON");
        cases.add(new Case("unsupported event format", new LinkedHashMap<>(Map.of("content-type",
                "application/cloudevents+avro")), new byte[] {1, 2}, "event format 'application/cloudevents+avro' is not supported"));

        // Strict binding decode: what a broker's headers can say that a map cannot.
        wire(cases, "id header twice", List.of(Map.entry("ce_id", "first"), Map.entry("ce_id", "second")),
                "header 'ce_id' appears more than once");
        wire(cases, "id header twice in different letter case", List.of(Map.entry("ce_id", "first"), Map.entry("ce_ID", "second")),
                "headers 'ce_id' and 'ce_ID' differ only in letter case");
        wire(cases, "content-type twice", List.of(Map.entry("content-type", "text/plain")),
                "header 'content-type' appears more than once");
        wire(cases, "source header not UTF-8", List.of(Map.entry("ce_subject", new byte[] {'o', (byte) 0xff, 'k'})),
                "header 'ce_subject' is not valid UTF-8");
        binary(cases, "prefix in upper case", h -> h.put("CE_subject", "order-1"), "header 'CE_subject' is not an attribute header of the kafka binding: its prefix is 'ce_', in that letter case");
        binary(cases, "attribute name in upper case", h -> h.put("ce_SUBJECT", "x"),
                "header 'ce_SUBJECT' names the attribute in upper case");
        binary(cases, "unpaired surrogate in an attribute", h -> h.put("ce_subject", "order-\uD800-1"),
                "attribute 'subject' is not valid Unicode: unpaired surrogate U+D800 at index 6");
        structured(cases, "structured unpaired surrogate", validStructured("1", ",\"subject\":\"a\\udc00b\""),
                "attribute 'subject' is not valid Unicode: unpaired surrogate U+DC00 at index 1");
        structured(cases, "structured text data with an unpaired surrogate", validStructured("1",
                ",\"datacontenttype\":\"text/plain\",\"data\":\"x\\ud800\""), "data is not valid Unicode: unpaired surrogate U+D800");
        return cases;
    }

    /** The AMQP binding's own ways to be wrong: typed application properties and the prefix's letter case. */
    public static List<Case> amqp() {
        List<Case> cases = new ArrayList<>();
        amqp(cases, "lower-case cloudevents_ prefix", h -> {
            h.remove("cloudEvents:subject");
            h.put("cloudevents_subject", "x");
        }, "header 'cloudevents_subject' is not an attribute header of the amqp binding");
        amqp(cases, "attribute header with an empty name", h -> h.put("cloudEvents:", "x"),
                "an extension attribute has an empty name");
        amqp(cases, "specversion as an AMQP double", h -> h.put("cloudEvents:specversion", 1.0d),
                "header 'cloudEvents:specversion' is of type Double, which is not a type the AMQP binding gives the attribute 'specversion'");
        amqp(cases, "id as an AMQP long", h -> h.put("cloudEvents:id", 5L),
                "header 'cloudEvents:id' is of type Long, which is not a type the AMQP binding gives the attribute 'id'");
        amqp(cases, "extension as an AMQP float", h -> h.put("cloudEvents:comexample", 1.5f),
                "header 'cloudEvents:comexample' is of type Float, which is not a type the AMQP binding gives an extension");
        amqp(cases, "extension as a long beyond 32 bits", h -> h.put("cloudEvents:comexample", 1L << 40),
                "outside the 32-bit range of CloudEvents integers");
        amqp(cases, "AMQP unpaired surrogate", h -> h.put("cloudEvents:subject", "\uDBFF"),
                "attribute 'subject' is not valid Unicode");
        return cases;
    }

    /** The gateway's SQS mapping: String message attributes only (the SQS source hands Number ones over as numbers). */
    public static List<Case> sqs() {
        List<Case> cases = new ArrayList<>();
        sqs(cases, "specversion as an SQS Number", h -> h.put("ce_specversion", new java.math.BigDecimal("1.0")),
                "header 'ce_specversion' is an SQS Number attribute; the sqs binding carries attributes as strings");
        sqs(cases, "id as an SQS Number", h -> h.put("ce_id", new java.math.BigDecimal("42")),
                "header 'ce_id' is an SQS Number attribute");
        sqs(cases, "extension as an SQS Binary", h -> h.put("ce_comexample", new byte[] {1, 2}),
                "header 'ce_comexample' is an SQS Binary attribute");
        sqs(cases, "SQS unpaired surrogate", h -> h.put("ce_subject", "a\uDC00"),
                "attribute 'subject' is not valid Unicode");
        return cases;
    }

    public static Map<String, Object> validAmqpHeaders(String id) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("cloudEvents:specversion", "1.0");
        headers.put("cloudEvents:id", id);
        headers.put("cloudEvents:source", "/invoices/billing");
        headers.put("cloudEvents:type", "com.example.invoices.invoice.issued");
        headers.put("cloudEvents:subject", "invoice-" + id);
        headers.put("Content-Type", "application/json");
        return headers;
    }

    private static void amqp(List<Case> cases, String name, Consumer<Map<String, Object>> breakIt, String reason) {
        Map<String, Object> headers = validAmqpHeaders(name);
        breakIt.accept(headers);
        cases.add(new Case(name, entries(headers), validData(name), reason, HeaderBinding.AMQP));
    }

    private static void sqs(List<Case> cases, String name, Consumer<Map<String, Object>> breakIt, String reason) {
        Map<String, Object> headers = validKafkaHeaders(name);
        breakIt.accept(headers);
        cases.add(new Case(name, entries(headers), validData(name), reason, HeaderBinding.SQS));
    }

    /** A valid Kafka event whose wire headers gain {@code extra} after the valid ones. */
    private static void wire(List<Case> cases, String name, List<Map.Entry<String, Object>> extra, String reason) {
        Map<String, Object> valid = validKafkaHeaders(name);
        List<Map.Entry<String, Object>> wire = new ArrayList<>(entries(valid));
        wire.addAll(extra);
        cases.add(new Case(name, wire, validData(name), reason, null));
    }

    private static List<Map.Entry<String, Object>> entries(Map<String, Object> headers) {
        return headers.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList();
    }

    private static void binary(List<Case> cases, String name, Consumer<Map<String, Object>> breakIt, String reason) {
        Map<String, Object> headers = validKafkaHeaders(name);
        breakIt.accept(headers);
        cases.add(new Case(name, headers, validData(name), reason));
    }

    private static void structured(List<Case> cases, String name, String json, String reason) {
        cases.add(new Case(name, new LinkedHashMap<>(Map.of("content-type", STRUCTURED)),
                json.getBytes(StandardCharsets.UTF_8), reason));
    }
}

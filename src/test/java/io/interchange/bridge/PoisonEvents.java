package io.interchange.bridge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.LongString;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * CloudEvents as the poison suite writes them to a source and reads them back from a sink, in each binding
 * (docs/cloudevents.md). This is the test's own reading of the bindings, written against the documentation
 * and not against the gateway's codec, so the gateway cannot agree with itself by accident.
 */
final class PoisonEvents {

    static final String STRUCTURED = "application/cloudevents+json; charset=UTF-8";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PoisonEvents() {
    }

    /**
     * An event: its attributes with their types (String, Integer or Boolean; {@code datacontenttype} among
     * them) and its data, null for none.
     */
    record Event(Map<String, Object> attributes, byte[] data) {

        Event {
            attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        }

        static Event of(String id, String source, String type, String contentType, byte[] data) {
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("specversion", "1.0");
            attributes.put("id", id);
            attributes.put("source", source);
            attributes.put("type", type);
            if (contentType != null) {
                attributes.put("datacontenttype", contentType);
            }
            return new Event(attributes, data);
        }

        String id() {
            return String.valueOf(attributes.get("id"));
        }

        String contentType() {
            Object type = attributes.get("datacontenttype");
            return type == null ? null : type.toString();
        }

        Event with(String attribute, Object value) {
            Map<String, Object> changed = new LinkedHashMap<>(attributes);
            changed.put(attribute, value);
            return new Event(changed, data);
        }

        Event without(String attribute) {
            Map<String, Object> changed = new LinkedHashMap<>(attributes);
            changed.remove(attribute);
            return new Event(changed, data);
        }

        /** As a binding that carries every attribute as a string (Kafka, SQS) hands it on. */
        Event stringified() {
            Map<String, Object> strings = new LinkedHashMap<>();
            attributes.forEach((name, value) -> strings.put(name, value.toString()));
            return new Event(strings, data);
        }

        @Override
        public String toString() {
            return attributes + (data == null ? " (no data)" : " + " + data.length + " data bytes");
        }
    }

    // ---- writing, as a producer in each binding would ----

    /** Kafka binary mode: {@code ce_<attribute>} headers as UTF-8, {@code content-type}, the data as the value. */
    static List<Map.Entry<String, byte[]>> kafkaHeaders(Event event) {
        List<Map.Entry<String, byte[]>> headers = new ArrayList<>();
        event.attributes().forEach((name, value) -> headers.add(Map.entry(
                name.equals("datacontenttype") ? "content-type" : "ce_" + name, utf8(value.toString()))));
        return headers;
    }

    /** AMQP binary mode: {@code cloudEvents:<attribute>} headers (integers and booleans native); the content type is the property. */
    static Map<String, Object> amqpHeaders(Event event) {
        Map<String, Object> headers = new LinkedHashMap<>();
        event.attributes().forEach((name, value) -> {
            if (!name.equals("datacontenttype")) {
                headers.put("cloudEvents:" + name, value instanceof Integer || value instanceof Boolean ? value : value.toString());
            }
        });
        return headers;
    }

    /** The gateway's SQS mapping in binary mode: String attributes {@code ce_<attribute>} and {@code content-type}. */
    static Map<String, MessageAttributeValue> sqsAttributes(Event event) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        event.attributes().forEach((name, value) -> attributes.put(
                name.equals("datacontenttype") ? "content-type" : "ce_" + name, text(value.toString())));
        return attributes;
    }

    /** The JSON event format: JSON data as the value, text as a string, anything else as data_base64. */
    static byte[] structured(Event event) {
        ObjectNode document = JSON.createObjectNode();
        event.attributes().forEach((name, value) -> {
            if (value instanceof Integer i) {
                document.put(name, i);
            } else if (value instanceof Boolean b) {
                document.put(name, b);
            } else {
                document.put(name, value.toString());
            }
        });
        byte[] data = event.data();
        if (data != null) {
            String contentType = event.contentType();
            if (isJson(contentType)) {
                document.set("data", readTree(data));
            } else if (isText(contentType) && strictUtf8(data).isPresent()) {
                document.put("data", strictUtf8(data).get());
            } else {
                document.put("data_base64", Base64.getEncoder().encodeToString(data));
            }
        }
        try {
            // Noncharacters only as JSON escapes: SQS bodies cannot carry U+FFFE and U+FFFF themselves.
            return utf8(JSON.writeValueAsString(document).replace("\uFFFE", "\\ufffe").replace("\uFFFF", "\\uffff"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    static MessageAttributeValue binary(byte[] value) {
        return MessageAttributeValue.builder().dataType("Binary").binaryValue(SdkBytes.fromByteArray(value)).build();
    }

    static MessageAttributeValue number(String value) {
        return MessageAttributeValue.builder().dataType("Number").stringValue(value).build();
    }

    /**
     * The mode the SQS sink must use (docs/cloudevents.md): binary when the data is SQS text, no value is
     * empty and the attributes (content-type included) are at most 10; structured otherwise.
     */
    static String sqsMode(Event event) {
        boolean text = event.data() != null && strictUtf8(event.data()).map(PoisonEvents::isSqsText).orElse(false);
        // An attribute SQS cannot carry (empty, or not SQS text) sends the event structured.
        boolean attributes = event.attributes().values().stream().map(Object::toString)
                .allMatch(v -> !v.isEmpty() && isSqsText(v));
        return text && attributes && event.attributes().size() <= 10 ? "binary" : "structured";
    }

    private static boolean isSqsText(String text) {
        return text.chars().noneMatch(c -> c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF);
    }

    // ---- reading what arrived at a sink ----

    /**
     * An event read from a sink message: the event, its mode, and what is wrong with the message beyond the
     * event (headers that are no part of the binding, repeated names, values of the wrong type).
     */
    record Decoded(Event event, String mode, boolean dataBase64, List<String> problems) {
    }

    /** A Kafka record in the Kafka binding. */
    static Decoded fromKafka(List<Map.Entry<String, byte[]>> headers, byte[] value) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> attributes = new LinkedHashMap<>();
        String contentType = null;
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, byte[]> header : headers) {
            String name = header.getKey();
            if (seen.stream().anyMatch(name::equalsIgnoreCase)) {
                problems.add("header '" + name + "' appears more than once");
                continue;
            }
            seen.add(name);
            Optional<String> text = header.getValue() == null ? Optional.of("") : strictUtf8(header.getValue());
            if (text.isEmpty()) {
                problems.add("header '" + name + "' is not UTF-8");
                continue;
            }
            if (name.equals("content-type")) {
                contentType = text.get();
            } else if (name.startsWith("ce_")) {
                attributes.put(name.substring(3), text.get());
            } else {
                problems.add("header '" + name + "' is no part of the Kafka binding");
            }
        }
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents")) {
            return structuredWith(value, attributes, problems);
        }
        if (contentType != null) {
            attributes.put("datacontenttype", contentType);
        }
        return new Decoded(new Event(attributes, value), "binary", false, problems);
    }

    /** A RabbitMQ message in the AMQP binding; {@code interchange-key} is the key and no attribute. */
    static Decoded fromAmqp(String contentType, Map<String, Object> headers, byte[] body) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> header : (headers == null ? Map.<String, Object>of() : headers).entrySet()) {
            String name = header.getKey();
            Object value = header.getValue();
            if (name.equals("interchange-key")) {
                continue;
            }
            if (!name.startsWith("cloudEvents:")) {
                problems.add("header '" + name + "' is no part of the AMQP binding");
                continue;
            }
            if (value instanceof LongString ls) {
                Optional<String> text = strictUtf8(ls.getBytes());
                if (text.isEmpty()) {
                    problems.add("header '" + name + "' is not UTF-8");
                    continue;
                }
                value = text.get();
            } else if (value instanceof String) {
                // short strings decode to String
            } else if (!(value instanceof Integer || value instanceof Boolean)) {
                problems.add("header '" + name + "' is of type " + value.getClass().getSimpleName());
                continue;
            }
            attributes.put(name.substring("cloudEvents:".length()), value);
        }
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents")) {
            return structuredWith(body, attributes, problems);
        }
        if (contentType != null) {
            attributes.put("datacontenttype", contentType);
        }
        return new Decoded(new Event(attributes, body == null || body.length == 0 ? null : body), "binary", false,
                problems);
    }

    /** An SQS message in the gateway's SQS mapping. */
    static Decoded fromSqs(Map<String, MessageAttributeValue> messageAttributes, String body) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> attributes = new LinkedHashMap<>();
        String contentType = null;
        for (Map.Entry<String, MessageAttributeValue> attribute : messageAttributes.entrySet()) {
            String name = attribute.getKey();
            MessageAttributeValue value = attribute.getValue();
            if (!"String".equals(value.dataType())) {
                problems.add("attribute '" + name + "' is of type " + value.dataType());
                continue;
            }
            if (name.equals("content-type")) {
                contentType = value.stringValue();
            } else if (name.startsWith("ce_")) {
                attributes.put(name.substring(3), value.stringValue());
            } else {
                problems.add("attribute '" + name + "' is no part of the SQS mapping");
            }
        }
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents")) {
            return structuredWith(bytes, attributes, problems);
        }
        if (contentType != null) {
            attributes.put("datacontenttype", contentType);
        }
        return new Decoded(new Event(attributes, bytes), "binary", false, problems);
    }

    private static Decoded structuredWith(byte[] body, Map<String, Object> binaryAttributes, List<String> problems) {
        try {
            return structuredOrThrow(body, binaryAttributes, problems);
        } catch (RuntimeException e) {
            problems.add("structured body cannot be read: " + e);
            return new Decoded(new Event(Map.of(), body), "structured", false, problems);
        }
    }

    private static Decoded structuredOrThrow(byte[] body, Map<String, Object> binaryAttributes, List<String> problems) {
        if (!binaryAttributes.isEmpty()) {
            problems.add("a structured message also has attribute headers " + binaryAttributes.keySet());
        }
        JsonNode document;
        try {
            document = JSON.readTree(body);
        } catch (IOException e) {
            problems.add("structured body is not JSON: " + e.getMessage());
            return new Decoded(new Event(Map.of(), body), "structured", false, problems);
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        byte[] data = null;
        for (Iterator<Map.Entry<String, JsonNode>> members = document.fields(); members.hasNext(); ) {
            Map.Entry<String, JsonNode> member = members.next();
            JsonNode value = member.getValue();
            switch (member.getKey()) {
                case "data" -> data = value.isTextual() && !isJson(document.path("datacontenttype").asText(null))
                        ? utf8(value.textValue()) : utf8(value.toString());
                case "data_base64" -> data = Base64.getDecoder().decode(value.textValue());
                default -> {
                    if (value.isTextual()) {
                        attributes.put(member.getKey(), value.textValue());
                    } else if (value.isInt()) {
                        attributes.put(member.getKey(), value.intValue());
                    } else if (value.isBoolean()) {
                        attributes.put(member.getKey(), value.booleanValue());
                    } else {
                        problems.add("member '" + member.getKey() + "' is " + value.getNodeType());
                    }
                }
            }
        }
        return new Decoded(new Event(attributes, data), "structured", document.has("data_base64"), problems);
    }

    /**
     * How {@code actual} differs from {@code expected}. {@code typed}: the sink's binding keeps integer and
     * boolean attributes (AMQP binary, structured JSON); otherwise every value is compared as its string.
     */
    static List<String> differences(Event expected, Decoded actual, boolean typed) {
        List<String> differences = new ArrayList<>();
        Map<String, Object> want = expected.attributes();
        Map<String, Object> got = actual.event().attributes();
        for (Map.Entry<String, Object> attribute : want.entrySet()) {
            Object value = got.get(attribute.getKey());
            if (value == null) {
                differences.add("attribute '" + attribute.getKey() + "' is missing");
            } else if (typed && !attribute.getValue().equals(value)
                    || !typed && !attribute.getValue().toString().equals(value.toString())) {
                differences.add("attribute '" + attribute.getKey() + "' is " + describe(value) + ", expected "
                        + describe(attribute.getValue()));
            }
        }
        got.keySet().stream().filter(name -> !want.containsKey(name))
                .forEach(name -> differences.add("unexpected attribute '" + name + "' = " + describe(got.get(name))));
        byte[] wantData = expected.data();
        byte[] gotData = actual.event().data();
        boolean jsonCompare = "structured".equals(actual.mode()) && isJson(expected.contentType());
        if (wantData == null || gotData == null) {
            if (wantData != gotData) {
                differences.add(wantData == null ? "has " + gotData.length + " data bytes, expected no data"
                        : "has no data, expected " + wantData.length + " bytes");
            }
        } else if (jsonCompare ? !readTree(wantData).equals(readTree(gotData)) : !Arrays.equals(wantData, gotData)) {
            differences.add("data differs: " + preview(gotData) + ", expected " + preview(wantData));
        }
        return differences;
    }

    private static String describe(Object value) {
        String text = value.toString();
        return (value instanceof String ? "'" + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "'" : text)
                + " (" + value.getClass().getSimpleName() + ")";
    }

    static String preview(byte[] data) {
        Optional<String> text = strictUtf8(data.length > 60 ? Arrays.copyOf(data, 60) : data);
        return data.length + " bytes " + text.map(t -> "'" + t + (data.length > 60 ? "...'" : "'"))
                .orElse("(not UTF-8)");
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return true;
        }
        String essence = contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        return essence.endsWith("/json") || essence.endsWith("+json");
    }

    private static boolean isText(String contentType) {
        return contentType != null && (contentType.toLowerCase(Locale.ROOT).startsWith("text/")
                || contentType.toLowerCase(Locale.ROOT).contains("charset="));
    }

    private static JsonNode readTree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + preview(json), e);
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static Optional<String> strictUtf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** A value of a header or attribute as bytes, for comparing what a dead letter kept of its original. */
    static byte[] bytesOf(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof LongString ls) {
            return ls.getBytes();
        }
        if (value instanceof MessageAttributeValue attribute) {
            return attribute.binaryValue() != null ? attribute.binaryValue().asByteArray() : utf8(attribute.stringValue());
        }
        return utf8(Objects.toString(value));
    }
}

package io.interchange.cloudevents;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * The CloudEvents JSON event format ({@code application/cloudevents+json}), read with a streaming
 * parser under {@link CloudEventLimits} (document length, nesting depth, string length; duplicate
 * members rejected). JSON data is kept as the exact bytes it had in the document, so an event
 * forwarded in structured mode, or transcoded to binary mode, carries its data byte for byte;
 * only insignificant whitespace around the data value is not part of it.
 */
public final class StructuredJsonFormat {

    private final JsonFactory factory;
    private final CloudEventLimits limits;

    public StructuredJsonFormat(CloudEventLimits limits) {
        this.limits = limits;
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(limits.maxJsonDocumentBytes())
                        .maxNestingDepth(limits.maxJsonDepth())
                        .maxStringLength(limits.maxJsonStringLength())
                        .maxNameLength(1000)
                        .maxNumberLength(1000)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /** The event in a structured message body; every problem with it is a violation. */
    public EventEnvelope read(byte[] document) {
        return parse(document).event();
    }

    /**
     * An event read from JSON; {@code impliedJson} when it had a {@code data} member and no
     * datacontenttype, which the JSON format says means {@code application/json}.
     */
    public record Parsed(EventEnvelope event, boolean impliedJson) {
    }

    public Parsed parse(byte[] document) {
        List<String> violations = new ArrayList<>();
        if (document == null || document.length == 0) {
            throw new InvalidCloudEventException(List.of("structured event is empty"));
        }
        if (document.length > limits.maxJsonDocumentBytes()) {
            throw new InvalidCloudEventException(List.of("structured event is " + document.length
                    + " bytes, more than the limit of " + limits.maxJsonDocumentBytes()));
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        byte[] rawData = null;
        boolean dataIsString = false;
        String dataString = null;
        String dataBase64 = null;
        boolean hasData = false;
        boolean dataIsNull = false;
        boolean hasDataBase64 = false;
        try (JsonParser parser = factory.createParser(document)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidCloudEventException(List.of("structured event is not a JSON object"));
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("data")) {
                    hasData = true;
                    dataIsNull = value == JsonToken.VALUE_NULL;
                    int start = (int) parser.currentTokenLocation().getByteOffset();
                    if (value.isStructStart()) {
                        parser.skipChildren();
                    } else {
                        parser.finishToken();
                    }
                    if (value == JsonToken.VALUE_STRING) {
                        dataIsString = true;
                        dataString = parser.getText();
                    }
                    int end = (int) parser.currentLocation().getByteOffset();
                    rawData = Arrays.copyOfRange(document, start, end);
                } else if (name.equals("data_base64")) {
                    hasDataBase64 = value != JsonToken.VALUE_NULL;
                    if (value == JsonToken.VALUE_STRING) {
                        dataBase64 = parser.getText();
                    } else if (value != JsonToken.VALUE_NULL) {
                        violations.add("data_base64 must be a JSON string");
                        parser.skipChildren();
                    }
                } else {
                    readAttribute(parser, name, value, attributes, violations);
                }
            }
            if (token != JsonToken.END_OBJECT) {
                throw new InvalidCloudEventException(List.of("structured event is not a JSON object"));
            }
            if (parser.nextToken() != null) {
                throw new InvalidCloudEventException(List.of("invalid JSON: content after the end of the event object"));
            }
        } catch (JsonProcessingException e) {
            throw new InvalidCloudEventException(List.of("invalid JSON: " + describe(e)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] data = null;
        String contentType = attributes.get(CloudEventAttributes.DATACONTENTTYPE) instanceof String s ? s : null;
        if (hasData && hasDataBase64) {
            violations.add("data and data_base64 are both present; an event has one or the other");
        } else if (hasDataBase64) {
            try {
                data = Base64.getDecoder().decode(dataBase64);
            } catch (IllegalArgumentException e) {
                violations.add("data_base64 is not valid base64: " + e.getMessage());
            }
        } else if (hasData) {
            if (MediaTypes.isJson(contentType)) {
                data = rawData;
            } else if (dataIsString) {
                Optional<String> unpaired = CloudEventValidator.unpairedSurrogate(dataString);
                if (unpaired.isPresent()) {
                    violations.add("data is not valid Unicode: " + unpaired.get());
                }
                data = dataString.getBytes(StandardCharsets.UTF_8);
            } else if (!dataIsNull) {
                violations.add("data must be a JSON string because datacontenttype '" + contentType
                        + "' does not declare JSON");
            }
        }
        if (!violations.isEmpty()) {
            throw new InvalidCloudEventException(violations);
        }
        return new Parsed(new EventEnvelope(attributes, data), hasData && data != null && contentType == null);
    }

    private static void readAttribute(JsonParser parser, String name, JsonToken value, Map<String, Object> attributes,
            List<String> violations) throws IOException {
        switch (value) {
            case VALUE_STRING -> attributes.put(name, parser.getText());
            case VALUE_TRUE, VALUE_FALSE -> attributes.put(name, parser.getBooleanValue());
            case VALUE_NUMBER_INT -> {
                if (parser.getNumberType() == JsonParser.NumberType.INT) {
                    attributes.put(name, parser.getIntValue());
                } else {
                    violations.add("attribute '" + name + "' is " + parser.getText()
                            + ", outside the Integer range of CloudEvents (32 bits)");
                }
            }
            case VALUE_NUMBER_FLOAT -> violations.add("attribute '" + name + "' is " + parser.getText()
                    + "; attribute numbers must be integers");
            case VALUE_NULL -> {
                // The JSON format: null means the attribute is not set.
            }
            default -> {
                violations.add("attribute '" + name + "' is a JSON " + (value == JsonToken.START_ARRAY ? "array" : "object")
                        + "; attributes must be strings, integers or booleans");
                parser.skipChildren();
            }
        }
    }

    /** Why a byte sequence is not one JSON value within the limits, or empty when it is. */
    public Optional<String> jsonProblem(byte[] json) {
        if (json.length > limits.maxJsonDocumentBytes()) {
            return Optional.of(json.length + " bytes, more than the limit of " + limits.maxJsonDocumentBytes());
        }
        try (JsonParser parser = factory.createParser(json)) {
            if (parser.nextToken() == null) {
                return Optional.of("no JSON value");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return Optional.of("content after the end of the JSON value");
            }
            return Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.of(describe(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The event as an {@code application/cloudevents+json} document. */
    public byte[] write(EventEnvelope event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (event.data() == null ? 0 : event.data().length * 4 / 3));
        try (JsonGenerator json = factory.createGenerator(out)) {
            json.writeStartObject();
            for (Map.Entry<String, Object> attribute : event.attributes().entrySet()) {
                json.writeFieldName(attribute.getKey());
                Object value = attribute.getValue();
                if (value instanceof Integer i) {
                    json.writeNumber(i);
                } else if (value instanceof Boolean b) {
                    json.writeBoolean(b);
                } else {
                    json.writeString(value.toString());
                }
            }
            byte[] data = event.data();
            if (data != null) {
                String contentType = event.dataContentType();
                Optional<String> text = MediaTypes.isJson(contentType) || MediaTypes.isText(contentType)
                        ? utf8(data) : Optional.empty();
                if (MediaTypes.isJson(contentType) && text.isPresent() && jsonProblem(data).isEmpty()) {
                    json.writeFieldName("data");
                    json.writeRawValue(text.get().strip());
                } else if (MediaTypes.isText(contentType) && !MediaTypes.isJson(contentType) && text.isPresent()) {
                    json.writeStringField("data", text.get());
                } else {
                    json.writeStringField("data_base64", Base64.getEncoder().encodeToString(data));
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static String describe(JsonProcessingException e) {
        String location = e.getLocation() == null ? "" : " at byte " + e.getLocation().getByteOffset();
        String message = e.getOriginalMessage();
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)) + location;
    }
}

package io.interchange.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Conformance with the examples of the CloudEvents 1.0.2 documents: the JSON event format (its
 * structured examples and their HTTP binary re-encodings, here with each binding's header names),
 * the Kafka protocol binding and the AMQP protocol binding. Each example is read, written again in
 * the same binding and mode, and compared byte for byte, then transcoded.
 */
class SpecExamplesTest {

    private final CloudEventCodec codec = new CloudEventCodec(CloudEventLimits.DEFAULT);

    static final byte[] THRIFT_BYTES = {(byte) 0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 'p', 'i', 'n', 'g', 0x00};

    /** JSON format 3.2, example with Binary-valued data. */
    static final String JSON_BINARY = """
            {
                "specversion" : "1.0",
                "type" : "com.example.someevent",
                "source" : "/mycontext",
                "id" : "A234-1234-1234",
                "time" : "2018-04-05T17:31:00Z",
                "comexampleextension1" : "value",
                "comexampleothervalue" : 5,
                "datacontenttype" : "application/vnd.apache.thrift.binary",
                "data_base64" : "%s"
            }""".formatted(Base64.getEncoder().encodeToString(THRIFT_BYTES));

    /** JSON format 3.2, example with XML string data. */
    static final String JSON_XML = """
            {
                "specversion" : "1.0",
                "type" : "com.example.someevent",
                "source" : "/mycontext",
                "id" : "B234-1234-1234",
                "time" : "2018-04-05T17:31:00Z",
                "comexampleextension1" : "value",
                "comexampleothervalue" : 5,
                "unsetextension": null,
                "datacontenttype" : "application/xml",
                "data" : "<much wow=\\"xml\\"/>"
            }""";

    /** JSON format 3.2, example with JSON object data. */
    static final String JSON_OBJECT = """
            {
                "specversion" : "1.0",
                "type" : "com.example.someevent",
                "source" : "/mycontext",
                "subject": null,
                "id" : "C234-1234-1234",
                "time" : "2018-04-05T17:31:00Z",
                "comexampleextension1" : "value",
                "comexampleothervalue" : 5,
                "datacontenttype" : "application/json",
                "data" : {
                    "appinfoA" : "abc",
                    "appinfoB" : 123,
                    "appinfoC" : true
                }
            }""";

    /** JSON format 3.2, example with a JSON string as data and no datacontenttype. */
    static final String JSON_STRING_NO_CONTENT_TYPE = """
            {
                "specversion" : "1.0",
                "type" : "com.example.someevent",
                "source" : "/mycontext",
                "subject": null,
                "id" : "D234-1234-1234",
                "time" : "2018-04-05T17:31:00Z",
                "comexampleextension1" : "value",
                "comexampleothervalue" : 5,
                "data" : "I'm just a string"
            }""";

    @Test
    void jsonFormatBinaryDataExampleBecomesTheRawBytesInBinaryMode() {
        EventEnvelope event = readStructured(JSON_BINARY);
        assertThat(event.data()).isEqualTo(THRIFT_BYTES);
        assertThat(event.attributes()).containsEntry("comexampleothervalue", 5)
                .containsEntry("comexampleextension1", "value");

        CloudEventCodec.Written kafka = codec.write(event, HeaderBinding.KAFKA, ContentMode.BINARY, false, 10);
        assertThat(kafka.headers()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "ce_specversion", "1.0", "ce_type", "com.example.someevent", "ce_source", "/mycontext",
                "ce_id", "A234-1234-1234", "ce_time", "2018-04-05T17:31:00Z", "ce_comexampleextension1", "value",
                "ce_comexampleothervalue", "5", "content-type", "application/vnd.apache.thrift.binary"));
        assertThat(kafka.body()).isEqualTo(THRIFT_BYTES);
    }

    @Test
    void jsonFormatXmlExampleCarriesTheStringAsDataAndDropsTheNullExtension() {
        EventEnvelope event = readStructured(JSON_XML);
        assertThat(event.attributes()).doesNotContainKey("unsetextension");
        CloudEventCodec.Written kafka = codec.write(event, HeaderBinding.KAFKA, ContentMode.BINARY, false, 10);
        assertThat(kafka.headers()).containsEntry("content-type", "application/xml").containsEntry("ce_id", "B234-1234-1234");
        assertThat(new String(kafka.body(), StandardCharsets.UTF_8)).isEqualTo("<much wow=\"xml\"/>");

        EventEnvelope back = binaryRoundTrip(kafka, HeaderBinding.KAFKA);
        assertThat(new String(codec.json().write(back), StandardCharsets.UTF_8)).contains("\"data\":\"<much wow=\\\"xml\\\"/>\"");
    }

    @Test
    void jsonFormatObjectExampleKeepsTheDataBytesExactly() {
        EventEnvelope event = readStructured(JSON_OBJECT);
        String expectedData = """
                {
                        "appinfoA" : "abc",
                        "appinfoB" : 123,
                        "appinfoC" : true
                    }""";
        assertThat(new String(event.data(), StandardCharsets.UTF_8)).isEqualTo(expectedData);
        assertThat(event.attributes()).doesNotContainKey("subject");

        byte[] rewritten = codec.write(event, HeaderBinding.AMQP, ContentMode.STRUCTURED, false, 10).body();
        assertThat(new String(rewritten, StandardCharsets.UTF_8)).contains("\"data\":" + expectedData);
        assertThat(readStructured(new String(rewritten, StandardCharsets.UTF_8))).isEqualTo(event);
    }

    @Test
    void jsonFormatStringExampleWithoutContentTypeIsQuotedJsonInBinaryModeWithApplicationJson() {
        CloudEventCodec.Read read = codec.read(Map.of("content-type", "application/cloudevents+json"),
                JSON_STRING_NO_CONTENT_TYPE.getBytes(StandardCharsets.UTF_8), null);
        assertThat(read.impliedJson()).isTrue();
        CloudEventCodec.Written kafka = codec.write(read.event(), HeaderBinding.KAFKA, ContentMode.BINARY, true, 10);
        assertThat(kafka.headers()).containsEntry("content-type", "application/json");
        assertThat(new String(kafka.body(), StandardCharsets.UTF_8)).isEqualTo("\"I'm just a string\"");
        // Structured to structured: nothing added, nothing lost.
        byte[] again = codec.write(read.event(), HeaderBinding.KAFKA, ContentMode.STRUCTURED, true, 10).body();
        assertThat(readStructured(new String(again, StandardCharsets.UTF_8))).isEqualTo(read.event());
    }

    /** Kafka protocol binding 3.2.5 (binary) with key and the example's Avro content type. */
    @Test
    void kafkaBindingBinaryExampleIsReadAndWrittenAgainHeaderForHeader() {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("ce_specversion", "1.0");
        headers.put("ce_type", "com.example.someevent");
        headers.put("ce_source", "/mycontext/subcontext");
        headers.put("ce_id", "1234-1234-1234");
        headers.put("ce_time", "2018-04-05T03:56:24Z");
        headers.put("content-type", "application/avro");
        byte[] avro = {0x02, 0x06, 'a', 'b', 'c', (byte) 0xf6, 0x01};

        CloudEventCodec.Read read = codec.read(headers, avro, null);
        assertThat(read.mode()).isEqualTo(ContentMode.BINARY);
        CloudEventCodec.Written written = codec.write(read.event(), HeaderBinding.KAFKA, ContentMode.BINARY, false, 10);
        assertThat(written.headers()).isEqualTo(headers);
        assertThat(written.body()).isEqualTo(avro);
    }

    /** Kafka protocol binding 3.3.4 (structured): content-type header of the JSON format. */
    @Test
    void kafkaBindingStructuredExampleRoundTrips() {
        String value = """
                {
                    "specversion" : "1.0",
                    "type" : "com.example.someevent",
                    "source" : "/mycontext/subcontext",
                    "id" : "1234-1234-1234",
                    "time" : "2018-04-05T03:56:24Z",
                    "datacontenttype" : "application/xml",
                    "data" : "<order id=\\"1\\"/>"
                }""";
        CloudEventCodec.Read read = codec.read(Map.of("content-type", "application/cloudevents+json; charset=UTF-8"),
                value.getBytes(StandardCharsets.UTF_8), HeaderBinding.KAFKA);
        assertThat(read.mode()).isEqualTo(ContentMode.STRUCTURED);
        CloudEventCodec.Written written = codec.write(read.event(), HeaderBinding.KAFKA, ContentMode.STRUCTURED, false, 10);
        assertThat(written.headers()).isEqualTo(Map.of("content-type", "application/cloudevents+json; charset=UTF-8"));
        assertThat(codec.read(written.headers(), written.body(), HeaderBinding.KAFKA).event()).isEqualTo(read.event());
    }

    /** AMQP protocol binding 3.1.4 (binary): cloudEvents: application properties, AMQP content-type. */
    @Test
    void amqpBindingBinaryExampleIsReadAndWrittenAgainPropertyForProperty() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("cloudEvents:specversion", "1.0");
        properties.put("cloudEvents:type", "com.example.someevent");
        properties.put("cloudEvents:time", "2018-04-05T03:56:24Z");
        properties.put("cloudEvents:id", "1234-1234-1234");
        properties.put("cloudEvents:source", "/mycontext/subcontext");
        properties.put("Content-Type", "application/json; charset=utf-8");
        byte[] json = "{\n    \"app\" : \"data\"\n}".getBytes(StandardCharsets.UTF_8);

        CloudEventCodec.Read read = codec.read(properties, json, null);
        CloudEventCodec.Written written = codec.write(read.event(), HeaderBinding.AMQP, ContentMode.BINARY, false, 10);
        assertThat(written.headers()).isEqualTo(properties);
        assertThat(written.body()).isEqualTo(json);
    }

    @Test
    void amqpReadsTheUnderscorePrefixAndNativeTypesOfLaterBindingRevisions() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("cloudEvents_specversion", "1.0");
        properties.put("cloudEvents_type", "com.example.someevent");
        properties.put("cloudEvents_id", "1");
        properties.put("cloudEvents_source", "/s");
        properties.put("cloudEvents_time", new java.util.Date(1522950984000L));
        properties.put("cloudEvents_comexampleothervalue", 5L);
        properties.put("cloudEvents_comexampleflag", true);
        EventEnvelope event = codec.read(properties, null, HeaderBinding.AMQP).event();
        assertThat(event.attributes()).containsEntry("time", "2018-04-05T17:56:24Z")
                .containsEntry("comexampleothervalue", 5).containsEntry("comexampleflag", true);
        assertThat(codec.write(event, HeaderBinding.AMQP, ContentMode.BINARY, false, 10).headers())
                .containsEntry("cloudEvents:comexampleothervalue", 5).containsEntry("cloudEvents:comexampleflag", true);
    }

    @Test
    void everyExampleTranscodesThroughEveryBindingAndModeAndComesBackEqual() {
        for (String example : new String[] {JSON_BINARY, JSON_XML, JSON_OBJECT}) {
            EventEnvelope original = readStructured(example);
            EventEnvelope event = original;
            for (HeaderBinding binding : new HeaderBinding[] {HeaderBinding.KAFKA, HeaderBinding.AMQP, HeaderBinding.SQS,
                    HeaderBinding.KAFKA}) {
                for (ContentMode mode : ContentMode.values()) {
                    CloudEventCodec.Written written = codec.write(event, binding, mode, false, 10);
                    event = codec.read(written.headers(), written.body(), binding == HeaderBinding.SQS ? null : binding)
                            .event();
                    assertThat(event.data()).as(binding + " " + mode).isEqualTo(original.data());
                    // Binary headers carry integers as strings (the Kafka and SQS bindings have no types).
                    assertThat(event.attributes().keySet()).as(binding + " " + mode)
                            .containsExactlyInAnyOrderElementsOf(original.attributes().keySet());
                }
            }
            assertThat(event.attributes()).allSatisfy((name, value) ->
                    assertThat(value.toString()).isEqualTo(original.attributes().get(name).toString()));
        }
    }

    private EventEnvelope readStructured(String json) {
        return codec.read(Map.of("content-type", "application/cloudevents+json; charset=UTF-8"),
                json.getBytes(StandardCharsets.UTF_8), null).event();
    }

    private EventEnvelope binaryRoundTrip(CloudEventCodec.Written written, HeaderBinding binding) {
        return codec.read(written.headers(), written.body(), binding).event();
    }
}

package io.interchange.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.core.message.MessageReader;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.KafkaMessageFactory;

/**
 * The reference implementation (CloudEvents Java SDK: JSON format and Kafka binding) reads what the
 * gateway writes, and the gateway reads what the SDK writes, in both modes.
 */
class SdkInteroperabilityTest {

    private final CloudEventCodec codec = new CloudEventCodec(CloudEventLimits.DEFAULT);

    private final CloudEvent sdkEvent = CloudEventBuilder.v1()
            .withId("A234-1234-1234")
            .withSource(URI.create("/orders/order-service"))
            .withType("com.example.orders.order.created")
            .withTime(OffsetDateTime.parse("2026-01-25T10:30:00Z"))
            .withSubject("order-12345")
            .withDataSchema(URI.create("https://example.com/schemas/order.json"))
            .withDataContentType("application/json")
            .withExtension("correlationid", "c-1")
            .withExtension("partitionkey", "order-12345")
            .withData("{\"orderId\":\"order-12345\",\"total\":99.99}".getBytes(StandardCharsets.UTF_8))
            .build();

    @Test
    void sdkKafkaBinaryRecordIsReadAndTheSdkReadsOursBack() {
        ProducerRecord<String, byte[]> record = KafkaMessageFactory.<String>createWriter("orders", "order-12345")
                .writeBinary(sdkEvent);
        EventEnvelope ours = codec.read(headers(record), record.value(), HeaderBinding.KAFKA).event();
        assertThat(ours.attributes()).containsEntry("id", "A234-1234-1234").containsEntry("partitionkey", "order-12345")
                .containsEntry("datacontenttype", "application/json").containsEntry("correlationid", "c-1");
        assertThat(ours.data()).isEqualTo(sdkEvent.getData().toBytes());

        CloudEventCodec.Written written = codec.write(ours, HeaderBinding.KAFKA, ContentMode.BINARY, false, 10);
        RecordHeaders kafkaHeaders = new RecordHeaders();
        written.headers().forEach((k, v) -> kafkaHeaders.add(k, v.toString().getBytes(StandardCharsets.UTF_8)));
        MessageReader reader = KafkaMessageFactory.createReader(kafkaHeaders, written.body());
        assertThat(reader.getEncoding()).isEqualTo(Encoding.BINARY);
        assertThat(reader.toEvent()).isEqualTo(sdkEvent);
    }

    @Test
    void sdkKafkaStructuredRecordIsReadAndTheSdkReadsOursBack() {
        ProducerRecord<String, byte[]> record = KafkaMessageFactory.<String>createWriter("orders", "k")
                .writeStructured(sdkEvent, JsonFormat.CONTENT_TYPE);
        CloudEventCodec.Read read = codec.read(headers(record), record.value(), HeaderBinding.KAFKA);
        assertThat(read.mode()).isEqualTo(ContentMode.STRUCTURED);
        assertThat(new String(read.event().data(), StandardCharsets.UTF_8))
                .isEqualTo("{\"orderId\":\"order-12345\",\"total\":99.99}");

        byte[] structured = codec.write(read.event(), HeaderBinding.KAFKA, ContentMode.STRUCTURED, false, 10).body();
        CloudEvent back = new JsonFormat().deserialize(structured);
        // The SDK holds JSON data as a tree when it reads JSON; compare it as bytes.
        assertThat(CloudEventBuilder.v1(back).withData(back.getData().toBytes()).build()).isEqualTo(sdkEvent);
    }

    @Test
    void sdkReadsBinaryDataWrittenAsDataBase64() {
        byte[] bytes = {0, 1, 2, (byte) 0xff};
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("specversion", "1.0");
        attributes.put("id", "1");
        attributes.put("source", "urn:example:source");
        attributes.put("type", "com.example.blob.stored");
        attributes.put("datacontenttype", "application/octet-stream");
        byte[] structured = codec.json().write(new EventEnvelope(attributes, bytes));
        assertThat(new String(structured, StandardCharsets.UTF_8)).contains("\"data_base64\":\"AAEC/w==\"");
        assertThat(new JsonFormat().deserialize(structured).getData().toBytes()).isEqualTo(bytes);
    }

    private static Map<String, Object> headers(ProducerRecord<?, byte[]> record) {
        Map<String, Object> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            // As the interchange-kafka source hands them to the route: UTF-8 strings.
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }
}

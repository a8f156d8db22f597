package io.interchange.cloudevents;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.producer.ProducerRecord;

/** CloudEvents in the Kafka binary binding, as an upstream service would produce them. */
public final class TestEvents {

    private TestEvents() {
    }

    /** A {@code com.example.orders.order.created} event with the given id and text data. */
    public static ProducerRecord<String, byte[]> kafkaRecord(String topic, String key, String id, String data) {
        return kafkaRecord(topic, key, id, "com.example.orders.order.created", data);
    }

    /** An event of the given type, id and text data. */
    public static ProducerRecord<String, byte[]> kafkaRecord(String topic, String key, String id, String type,
            String data) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, data.getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_specversion", bytes("1.0")).add("ce_id", bytes(id))
                .add("ce_source", bytes("/orders/order-service")).add("ce_type", bytes(type))
                .add("content-type", bytes("text/plain"));
        return record;
    }

    /** Makes {@code record} a binary-mode CloudEvent with opaque data ({@code application/octet-stream}). */
    public static <K> ProducerRecord<K, byte[]> asCloudEvent(ProducerRecord<K, byte[]> record, String id) {
        record.headers().add("ce_specversion", bytes("1.0")).add("ce_id", bytes(id))
                .add("ce_source", bytes("/orders/order-service")).add("ce_type", bytes("com.example.orders.order.created"))
                .add("content-type", bytes("application/octet-stream"));
        return record;
    }

    /** The binary-mode headers of an event in the AMQP binding ({@code cloudEvents:*}, the content type). */
    public static java.util.Map<String, Object> amqpHeaders(String id, String contentType) {
        return java.util.Map.of("cloudEvents:specversion", "1.0", "cloudEvents:id", id,
                "cloudEvents:source", "/shipments/warehouse", "cloudEvents:type", "com.example.shipments.shipment.requested",
                "Content-Type", contentType);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

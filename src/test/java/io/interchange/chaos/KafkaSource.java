package io.interchange.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

import io.interchange.brokers.KafkaBroker;
import io.interchange.cloudevents.TestEvents;

/** A topic of CloudEvents in the Kafka binary binding, keyed; its backlog is the gateway's consumer group lag. */
final class KafkaSource implements Source {

    static final int PARTITIONS = 6;

    private final KafkaBroker kafka;
    private final String topic;
    private final String group;
    private final Records records;
    private KafkaProducer<String, byte[]> producer;
    private Admin admin;

    KafkaSource(KafkaBroker kafka, String topic, String group, Records records) {
        this.kafka = kafka;
        this.topic = topic;
        this.group = group;
        this.records = records;
    }

    @Override
    public void create() {
        kafka.createTopic(topic, PARTITIONS);
        producer = kafka.producer(); // acks=all, so idempotent: a retry after an outage is no duplicate of ours
        admin = admin(kafka);
    }

    @Override
    public void send(int from, int to) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            sent.add(producer.send(TestEvents.kafkaRecord(topic, records.key(i), records.id(i), Records.TYPE,
                    records.data(i))));
        }
        producer.flush();
        for (Future<RecordMetadata> future : sent) {
            future.get(); // the idempotent producer retries; a record it gave up on fails the run here
        }
    }

    @Override
    public long backlog() throws Exception {
        return lag(admin, topic, group);
    }

    /** Per partition with lag: end offset, committed offset and its metadata (the source's note). */
    @Override
    public String detail() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group);
        StringBuilder detail = new StringBuilder();
        for (var end : ends(admin, topic).entrySet()) {
            OffsetAndMetadata at = committed.get(end.getKey());
            if (at == null || at.offset() != end.getValue().offset()) {
                detail.append(end.getKey()).append(": end ").append(end.getValue().offset()).append(", committed ")
                        .append(at == null ? "none" : at.offset() + " '" + at.metadata() + "'").append("; ");
            }
        }
        return detail.toString();
    }

    /** The group's lag over every partition of the topic: end offset minus committed offset (0 if none). */
    static long lag(Admin admin, String topic, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group);
        long lag = 0;
        for (var end : ends(admin, topic).entrySet()) {
            OffsetAndMetadata at = committed.get(end.getKey());
            lag += end.getValue().offset() - (at == null ? 0 : at.offset());
        }
        return lag;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
    }

    private static Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends(Admin admin, String topic)
            throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
    }

    static Admin admin(KafkaBroker kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
    }
}

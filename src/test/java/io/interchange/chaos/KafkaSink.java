package io.interchange.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;

import io.interchange.brokers.KafkaBroker;

/** A topic the gateway writes; read from the start by a consumer group of the test's own. */
final class KafkaSink implements Sink {

    private final KafkaBroker kafka;
    private final String topic;
    private final String readerGroup;
    private final Map<Integer, Long> next = new ConcurrentHashMap<>();
    private volatile boolean reading = true;
    private Thread reader;
    private Admin admin;

    KafkaSink(KafkaBroker kafka, String topic, String readerGroup) {
        this.kafka = kafka;
        this.topic = topic;
        this.readerGroup = readerGroup;
    }

    @Override
    public void create() {
        kafka.createTopic(topic, KafkaSource.PARTITIONS);
        admin = KafkaSource.admin(kafka);
    }

    @Override
    public void read(Arrivals arrivals) {
        reader = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = kafka.consumer(readerGroup)) {
                consumer.subscribe(List.of(topic));
                while (reading) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        arrivals.arrived(record.value());
                        next.put(record.partition(), record.offset() + 1);
                    }
                }
            } catch (InterruptException e) {
                // closing
            }
        }, "chaos-kafka-sink-" + topic);
        reader.start();
    }

    @Override
    public boolean caughtUp() throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < KafkaSource.PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        for (var end : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
            if (next.getOrDefault(end.getKey().partition(), 0L) < end.getValue().offset()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        reading = false;
        if (reader != null) {
            try {
                reader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (admin != null) {
            admin.close();
        }
    }
}

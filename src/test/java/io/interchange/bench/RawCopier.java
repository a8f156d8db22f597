package io.interchange.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;

/**
 * The baseline: the smallest Kafka -> RabbitMQ copier with the gateway's guarantees, written against the raw
 * clients only. One poll thread publishes every record on one confirm-mode channel (mandatory, persistent)
 * with up to {@code BENCH_MAX_OUTSTANDING} publishes unconfirmed, and commits per partition the offset of
 * the oldest unconfirmed record (or the one after the last published when all are confirmed). A nack or a
 * return stops the copier without committing past it. Runs as its own process, configured with the same
 * environment variables as the gateway, until SIGTERM.
 */
public final class RawCopier {

    private static final AMQP.BasicProperties PERSISTENT = MessageProperties.PERSISTENT_BASIC;
    /** BENCH_COPY_HEADERS: carry the Kafka headers as AMQP headers (the baseline-headers copier). */
    private static boolean copyHeaders;

    private final KafkaConsumer<byte[], byte[]> kafka;
    private final Channel channel;
    private final String exchange;
    private final String routingKey;
    private final Semaphore permits;
    /** Publish sequence number -> the record it carries; removed when confirmed. */
    private final ConcurrentNavigableMap<Long, Published> unconfirmed = new ConcurrentSkipListMap<>();
    private final Map<TopicPartition, Long> lastPublished = new HashMap<>();
    private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile String failure;
    private volatile boolean running = true;

    private record Published(TopicPartition partition, long offset) {
    }

    RawCopier(Properties kafkaProperties, Connection connection, String exchange, String routingKey,
            int maxOutstanding) throws Exception {
        this.kafka = new KafkaConsumer<>(kafkaProperties);
        this.channel = connection.createChannel();
        this.exchange = exchange;
        this.routingKey = routingKey;
        this.permits = new Semaphore(maxOutstanding);
        channel.confirmSelect();
        channel.addConfirmListener((seq, multiple) -> confirmed(seq, multiple),
                (seq, multiple) -> failure = "nack of publish " + seq);
        channel.addReturnListener(r -> failure = "returned as unroutable: " + r.getReplyText());
    }

    private void confirmed(long seq, boolean multiple) {
        if (multiple) {
            ConcurrentNavigableMap<Long, Published> upTo = unconfirmed.headMap(seq, true);
            int n = 0;
            for (Long s : upTo.keySet()) {
                if (unconfirmed.remove(s) != null) {
                    n++;
                }
            }
            permits.release(n);
        } else if (unconfirmed.remove(seq) != null) {
            permits.release();
        }
    }

    /** The record's headers as AMQP headers (values as UTF-8 text), as a faithful copier would carry them. */
    private static AMQP.BasicProperties withHeaders(ConsumerRecord<byte[], byte[]> record) {
        Map<String, Object> headers = new java.util.HashMap<>();
        for (org.apache.kafka.common.header.Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? null
                    : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return PERSISTENT.builder().headers(headers).build();
    }

    void run(String topic, long commitIntervalMillis) throws Exception {
        try {
            kafka.subscribe(List.of(topic));
            long nextCommit = 0;
            while (running && failure == null) {
                for (ConsumerRecord<byte[], byte[]> record : kafka.poll(Duration.ofMillis(100))) {
                    while (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        if (!running || failure != null) {
                            return;
                        }
                    }
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    unconfirmed.put(channel.getNextPublishSeqNo(), new Published(partition, record.offset()));
                    channel.basicPublish(exchange, routingKey, true, copyHeaders ? withHeaders(record) : PERSISTENT,
                            record.value());
                    lastPublished.put(partition, record.offset());
                }
                long now = System.currentTimeMillis();
                if (now >= nextCommit) {
                    commit(false);
                    nextCommit = now + commitIntervalMillis;
                }
            }
        } catch (WakeupException e) {
            // stop()
        } finally {
            if (failure == null) {
                channel.waitForConfirms(30_000);
            }
            commit(true);
            kafka.close(Duration.ofSeconds(5));
            if (failure != null) {
                System.err.println("copier stopped: " + failure);
            }
            stopped.countDown();
        }
    }

    /** Per partition: the oldest record still unconfirmed, else the one after the last published. */
    private void commit(boolean sync) {
        if (failure != null) {
            return;
        }
        Map<TopicPartition, Long> oldestUnconfirmed = new HashMap<>();
        for (Published p : unconfirmed.values()) {
            oldestUnconfirmed.putIfAbsent(p.partition(), p.offset());
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        lastPublished.forEach((partition, last) -> {
            long next = oldestUnconfirmed.getOrDefault(partition, last + 1);
            if (next > lastCommitted.getOrDefault(partition, -1L)) {
                offsets.put(partition, new OffsetAndMetadata(next));
                lastCommitted.put(partition, next);
            }
        });
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            kafka.commitSync(offsets);
        } else {
            kafka.commitAsync(offsets, null);
        }
    }

    void stop() throws InterruptedException {
        running = false;
        kafka.wakeup();
        stopped.await(40, TimeUnit.SECONDS);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        Properties kafkaProperties = new Properties();
        kafkaProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.get("INTERCHANGE_KAFKA_BROKERS"));
        kafkaProperties.put(ConsumerConfig.GROUP_ID_CONFIG, env.get("ORDERS_KAFKA_GROUP_ID"));
        kafkaProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        kafkaProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        kafkaProperties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        kafkaProperties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        kafkaProperties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(env.get("INTERCHANGE_RABBITMQ_HOST"));
        factory.setPort(Integer.parseInt(env.get("INTERCHANGE_RABBITMQ_PORT")));
        factory.setUsername(env.get("INTERCHANGE_RABBITMQ_USERNAME"));
        factory.setPassword(env.get("INTERCHANGE_RABBITMQ_PASSWORD"));
        int maxOutstanding = Integer.parseInt(env.getOrDefault("BENCH_MAX_OUTSTANDING", "4000"));
        copyHeaders = Boolean.parseBoolean(env.getOrDefault("BENCH_COPY_HEADERS", "false"));
        try (Connection connection = factory.newConnection("bench-raw-copier")) {
            RawCopier copier = new RawCopier(kafkaProperties, connection, env.get("ORDERS_RABBITMQ_EXCHANGE"),
                    env.get("ORDERS_RABBITMQ_ROUTING_KEY"), maxOutstanding);
            Thread hook = new Thread(() -> {
                try {
                    copier.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            System.out.println("raw copier running");
            copier.run(env.get("ORDERS_KAFKA_TOPIC"), 200);
        }
    }
}

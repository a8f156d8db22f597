package io.interchange.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;

import io.interchange.idempotency.IdempotencyKeyStore;
import io.interchange.idempotency.JdbcIdempotencyKeyStore;

/**
 * The baseline: the smallest Kafka -> RabbitMQ copier with the gateway's guarantees, written against the raw
 * clients only. One poll thread publishes every record on one confirm-mode channel (mandatory, persistent)
 * with up to {@code BENCH_MAX_OUTSTANDING} publishes unconfirmed, and commits per partition the offset of
 * the oldest unconfirmed record (or the one after the last published when all are confirmed). A nack or a
 * return stops the copier without committing past it. Runs as its own process, configured with the same
 * environment variables as the gateway, until SIGTERM.
 *
 * <p>With {@code BENCH_DEDUPE=true} (the baseline-dedupe copier) it also does by hand, on plain JDBC, the
 * PostgreSQL work of the gateway's jdbc idempotency store: per poll batch one statement reserves the keys
 * ({@code <scope> <ce_source> <ce_id>}) of the batch in the gateway's table before anything is published; a
 * record whose key was not reserved is skipped (committed, not published); once RabbitMQ confirmed a
 * record, its key is queued and a second thread confirms the queued keys every 20 ms in one statement.
 */
public final class RawCopier {

    private static final AMQP.BasicProperties PERSISTENT = MessageProperties.PERSISTENT_BASIC;
    /** BENCH_COPY_HEADERS: carry the Kafka headers as AMQP headers (the baseline-headers copier). */
    private static boolean copyHeaders;
    /** Counted down when main has closed the copier, its connections and its dedupe work. */
    private static final CountDownLatch CLOSED = new CountDownLatch(1);

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

    private record Published(TopicPartition partition, long offset, String key) {
    }

    /** The gateway's defaults: interchange.idempotency.namespace, lease (2 min), retention (7 days). */
    static final String NAMESPACE = "interchange";
    static final Duration LEASE = Duration.ofMinutes(2);
    static final Duration RETENTION = Duration.ofDays(7);
    /** Most keys per statement, as the gateway's KeyBatcher. */
    static final int MAX_BATCH = 1000;
    static final long CONFIRM_DELAY_MILLIS = 20;

    /** The dedupe work: reserve per poll batch, confirm after RabbitMQ confirmed; null without BENCH_DEDUPE. */
    private Dedupe dedupe;

    /**
     * The idempotency keys by hand, with the gateway's own store (its table, statements and round trips): the poll
     * thread reserves a poll batch in one call, a thread of its own confirms, each on a pooled connection.
     */
    static final class Dedupe implements AutoCloseable {
        private final String scope;
        private final com.zaxxer.hikari.HikariDataSource dataSource;
        private final JdbcIdempotencyKeyStore store;
        private final Queue<String> toConfirm = new ConcurrentLinkedQueue<>();
        private final Thread confirmer;
        private volatile boolean running = true;
        private volatile String failure;

        Dedupe(String url, String user, String password, String scope) {
            this.scope = scope;
            dataSource = new com.zaxxer.hikari.HikariDataSource();
            dataSource.setJdbcUrl(url);
            dataSource.setUsername(user);
            dataSource.setPassword(password);
            dataSource.setMaximumPoolSize(2);
            store = new JdbcIdempotencyKeyStore(dataSource, NAMESPACE);
            store.migrate();
            confirmer = new Thread(this::confirmLoop, "bench-dedupe-confirm");
            confirmer.start();
        }

        /**
         * The gateway's key of a CloudEvent record, null when it has no ce_source or ce_id header. Stored as it is:
         * the store hashes keys over 512 characters only, far more than these.
         */
        String key(ConsumerRecord<byte[], byte[]> record) {
            Header source = record.headers().lastHeader("ce_source");
            Header id = record.headers().lastHeader("ce_id");
            if (source == null || id == null || source.value() == null || id.value() == null) {
                return null;
            }
            return scope + " " + new String(source.value(), StandardCharsets.UTF_8) + " "
                    + new String(id.value(), StandardCharsets.UTF_8);
        }

        /** One round trip for all keys (distinct, at most a poll batch): the keys it reserved. */
        Set<String> reserve(Set<String> keys) {
            Set<String> reserved = new HashSet<>();
            if (!keys.isEmpty()) {
                store.reserveAll(keys, LEASE, RETENTION).forEach((key, reservation) -> {
                    if (reservation == IdempotencyKeyStore.Reservation.RESERVED) {
                        reserved.add(key);
                    }
                });
            }
            return reserved;
        }

        void confirmed(String key) {
            toConfirm.add(key);
        }

        private void confirmLoop() {
            try {
                while (running || !toConfirm.isEmpty()) {
                    if (toConfirm.isEmpty()) {
                        Thread.sleep(CONFIRM_DELAY_MILLIS);
                        continue;
                    }
                    // Let confirmations gather for 20 ms, then write them in statements of up to 1,000 keys.
                    Thread.sleep(running ? CONFIRM_DELAY_MILLIS : 0);
                    List<String> keys = new ArrayList<>();
                    for (String key; keys.size() < MAX_BATCH && (key = toConfirm.poll()) != null;) {
                        keys.add(key);
                    }
                    store.confirmAll(keys);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = "confirm failed: " + e;
            }
        }

        String failure() {
            return failure;
        }

        @Override
        public void close() throws Exception {
            running = false;
            confirmer.join(30_000);
            dataSource.close();
        }
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
                Published p = unconfirmed.remove(s);
                if (p != null) {
                    keyConfirmed(p);
                    n++;
                }
            }
            permits.release(n);
        } else {
            Published p = unconfirmed.remove(seq);
            if (p != null) {
                keyConfirmed(p);
                permits.release();
            }
        }
    }

    private void keyConfirmed(Published published) {
        if (published.key() != null) {
            dedupe.confirmed(published.key());
        }
    }

    /** The record's headers as AMQP headers (values as UTF-8 text), as a faithful copier would carry them. */
    private static AMQP.BasicProperties withHeaders(ConsumerRecord<byte[], byte[]> record) {
        Map<String, Object> headers = new java.util.HashMap<>();
        for (Header header : record.headers()) {
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
                ConsumerRecords<byte[], byte[]> records = kafka.poll(Duration.ofMillis(100));
                Set<String> reserved = null;
                List<String> keys = null;
                if (dedupe != null) {
                    if (dedupe.failure() != null) {
                        failure = dedupe.failure();
                        return;
                    }
                    keys = new ArrayList<>(records.count());
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        keys.add(dedupe.key(record));
                    }
                    Set<String> distinct = new HashSet<>(keys);
                    distinct.remove(null);
                    reserved = dedupe.reserve(distinct);
                }
                int index = 0;
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    String key = null;
                    if (reserved != null) {
                        key = keys.get(index++);
                        // Not reserved (processed or in progress elsewhere), or a second copy in this batch: skip it.
                        if (key == null || !reserved.remove(key)) {
                            lastPublished.put(partition, record.offset());
                            continue;
                        }
                    }
                    while (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        if (!running || failure != null) {
                            return;
                        }
                    }
                    unconfirmed.put(channel.getNextPublishSeqNo(), new Published(partition, record.offset(), key));
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
        boolean withDedupe = Boolean.parseBoolean(env.getOrDefault("BENCH_DEDUPE", "false"));
        try (Connection connection = factory.newConnection("bench-raw-copier");
                Dedupe dedupe = withDedupe ? new Dedupe(env.get("BENCH_JDBC_URL"), env.get("BENCH_JDBC_USERNAME"),
                        env.get("BENCH_JDBC_PASSWORD"), env.get("BENCH_DEDUPE_SCOPE")) : null) {
            RawCopier copier = new RawCopier(kafkaProperties, connection, env.get("ORDERS_RABBITMQ_EXCHANGE"),
                    env.get("ORDERS_RABBITMQ_ROUTING_KEY"), maxOutstanding);
            copier.dedupe = dedupe;
            Thread hook = new Thread(() -> {
                try {
                    copier.stop();
                    // The JVM halts when this hook returns: let main close the copier (the last key confirmations).
                    CLOSED.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            System.out.println("raw copier running");
            copier.run(env.get("ORDERS_KAFKA_TOPIC"), 200);
        } finally {
            CLOSED.countDown();
        }
    }
}

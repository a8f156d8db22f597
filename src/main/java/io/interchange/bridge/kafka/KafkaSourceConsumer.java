package io.interchange.bridge.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultConsumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.interchange.bridge.BridgeMetrics;
import io.interchange.deadletter.DeadLetterHeaders;
import io.interchange.security.CamelHeaderFilter;

/**
 * Poll threads that hand every record to the route without waiting for the one before, and commit
 * per partition only the offsets whose route completed. A record whose route failed (after the
 * route's own error handling) stops its partition: once the partition's records in flight are
 * settled, the consumer seeks back to the failed record and reads on from there after a backoff,
 * so records of one partition reach the sink in order, a failure never loses one, and the records
 * that followed it are sent again (at least once, never skipped).
 */
public class KafkaSourceConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSourceConsumer.class);

    private final KafkaSourceEndpoint endpoint;
    private final List<PollLoop> loops = new ArrayList<>();
    private BridgeMetrics metrics;

    public KafkaSourceConsumer(KafkaSourceEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        metrics = BridgeMetrics.of(getEndpoint().getCamelContext(), getRouteId(), "kafka", this::inFlight);
        for (int i = 0; i < endpoint.getConsumersCount(); i++) {
            String clientId = getRouteId() + "-" + i;
            PollLoop loop = new PollLoop(new KafkaConsumer<>(endpoint.kafkaProperties(clientId)));
            loops.add(loop);
            Thread thread = new Thread(loop, "interchange-kafka-" + clientId);
            loop.thread = thread;
            thread.start();
        }
    }

    @Override
    protected void doStop() throws Exception {
        loops.forEach(PollLoop::stop);
        for (PollLoop loop : loops) {
            loop.thread.join(endpoint.getDrainTimeoutMillis() + 10_000);
        }
        loops.clear();
        super.doStop();
    }

    /** Records in flight over all poll threads; for metrics and tests. */
    public int inFlight() {
        return loops.stream().mapToInt(l -> l.outstanding.get()).sum();
    }

    private final class PollLoop implements Runnable, ConsumerRebalanceListener {

        private final KafkaConsumer<String, byte[]> kafka;
        private final Map<TopicPartition, PartitionProgress> progress = new ConcurrentHashMap<>();
        private final Map<TopicPartition, Retry> retries = new HashMap<>();
        private final Set<TopicPartition> pausedForFailure = new HashSet<>();
        private final AtomicInteger outstanding = new AtomicInteger();
        private volatile boolean pausedForBackpressure;
        /** Notified when the records in flight fall to the resume threshold while paused. */
        private final Object drained = new Object();
        private long nextCommit;
        private volatile boolean running = true;
        private Thread thread;

        PollLoop(KafkaConsumer<String, byte[]> kafka) {
            this.kafka = kafka;
        }

        void stop() {
            running = false;
            kafka.wakeup();
        }

        @Override
        public void run() {
            try {
                kafka.subscribe(endpoint.topicList(), this);
                while (running) {
                    if (pausedForBackpressure) {
                        // Polling paused partitions would sleep the whole poll timeout while the route empties
                        // the window (the sink then runs dry); wait for the drain instead, then resume.
                        awaitDrain();
                        applyBackpressure();
                    }
                    ConsumerRecords<String, byte[]> records = kafka.poll(pausedForBackpressure ? Duration.ZERO
                            : Duration.ofMillis(100));
                    for (ConsumerRecord<String, byte[]> record : records) {
                        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                        PartitionProgress p = progress.get(partition);
                        // A partition with a failure is read again from the failed record.
                        if (p != null && p.failedOffset() < 0 && !pausedForFailure.contains(partition)) {
                            dispatch(record, p);
                        }
                    }
                    handleFailures();
                    applyBackpressure();
                    commitIfDue(false);
                }
            } catch (WakeupException e) {
                if (running) {
                    LOG.error("Kafka poll loop of route '{}' woken unexpectedly", getRouteId(), e);
                }
            } catch (RuntimeException e) {
                LOG.error("Kafka poll loop of route '{}' failed; its records in flight are not committed",
                        getRouteId(), e);
            } finally {
                drain(progress.keySet());
                commitIfDue(true);
                kafka.close(Duration.ofSeconds(5));
            }
        }

        private void dispatch(ConsumerRecord<String, byte[]> record, PartitionProgress p) {
            p.dispatched(record.offset());
            outstanding.incrementAndGet();
            metrics.received();
            Exchange exchange = createExchange(false);
            Message message = exchange.getMessage();
            message.setBody(record.value());
            for (Header header : record.headers()) {
                if (!CamelHeaderFilter.isInternal(header.key())) {
                    message.setHeader(header.key(), header.value() == null ? null
                            : new String(header.value(), StandardCharsets.UTF_8));
                }
            }
            message.setHeader(KafkaConstants.TOPIC, record.topic());
            message.setHeader(KafkaConstants.PARTITION, record.partition());
            message.setHeader(KafkaConstants.OFFSET, record.offset());
            message.setHeader(KafkaConstants.TIMESTAMP, record.timestamp());
            if (record.key() != null) {
                message.setHeader(KafkaConstants.KEY, record.key());
            }
            Retry retry = retries.get(new TopicPartition(record.topic(), record.partition()));
            boolean again = retry != null && retry.offset == record.offset();
            message.setHeader(DeadLetterHeaders.DELIVERY_ATTEMPT, again ? retry.attempt + 1 : 1);
            if (again) {
                message.setHeader(DeadLetterHeaders.FIRST_FAILURE, retry.firstFailureMillis);
            }
            long offset = record.offset();
            getAsyncProcessor().process(exchange, doneSync -> {
                boolean failed = exchange.isFailed();
                if (failed) {
                    Exception cause = exchange.getException();
                    LOG.warn("Route '{}' failed on {}-{} offset {}; it will be read again: {}", getRouteId(),
                            record.topic(), record.partition(), offset, cause == null ? "rolled back" : cause.getMessage());
                }
                p.completed(offset, failed);
                if (outstanding.decrementAndGet() == resumeThreshold() && pausedForBackpressure) {
                    synchronized (drained) {
                        drained.notifyAll();
                    }
                }
                if (failed) {
                    metrics.failed();
                } else {
                    metrics.completed(record.timestamp());
                }
                releaseExchange(exchange, false);
            });
        }

        private void handleFailures() {
            long now = System.nanoTime();
            for (Map.Entry<TopicPartition, PartitionProgress> entry : progress.entrySet()) {
                TopicPartition partition = entry.getKey();
                PartitionProgress p = entry.getValue();
                long failed = p.failedOffset();
                if (failed >= 0 && pausedForFailure.add(partition)) {
                    kafka.pause(List.of(partition));
                }
                if (failed >= 0 && p.outstanding() == 0) {
                    commitPartition(partition, p);
                    Retry retry = retries.get(partition);
                    boolean again = retry != null && retry.offset == failed;
                    int attempt = again ? retry.attempt + 1 : 1;
                    long firstFailure = again ? retry.firstFailureMillis : System.currentTimeMillis();
                    long backoff = Math.min(endpoint.getMaxRetryBackoffMillis(),
                            endpoint.getRetryBackoffMillis() << Math.min(attempt - 1, 20));
                    retries.put(partition, new Retry(failed, attempt, now + backoff * 1_000_000, firstFailure));
                    kafka.seek(partition, failed);
                    metrics.redelivered(p.dispatchedSince(failed));
                    p.reset();
                }
            }
            for (Map.Entry<TopicPartition, Retry> entry : retries.entrySet()) {
                TopicPartition partition = entry.getKey();
                PartitionProgress p = progress.get(partition);
                if (pausedForFailure.contains(partition) && p != null && p.failedOffset() < 0
                        && now - entry.getValue().resumeAt >= 0) {
                    pausedForFailure.remove(partition);
                    if (!pausedForBackpressure) {
                        kafka.resume(List.of(partition));
                    }
                }
            }
        }

        private int resumeThreshold() {
            return endpoint.getMaxInFlight() / 2;
        }

        /** Up to 100 ms (failures and commits still get their turn), until the window is half empty. */
        private void awaitDrain() {
            long deadline = System.nanoTime() + 100_000_000L;
            synchronized (drained) {
                long left;
                while (outstanding.get() > resumeThreshold() && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        drained.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        private void applyBackpressure() {
            int inFlight = outstanding.get();
            if (!pausedForBackpressure && inFlight >= endpoint.getMaxInFlight()) {
                pausedForBackpressure = true;
                kafka.pause(kafka.assignment());
            } else if (pausedForBackpressure && inFlight <= resumeThreshold()) {
                pausedForBackpressure = false;
                List<TopicPartition> resumable = kafka.assignment().stream()
                        .filter(tp -> !pausedForFailure.contains(tp)).toList();
                kafka.resume(resumable);
            }
        }

        private void commitIfDue(boolean sync) {
            long now = System.currentTimeMillis();
            if (!sync && now < nextCommit) {
                return;
            }
            nextCommit = now + endpoint.getCommitIntervalMillis();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            progress.forEach((partition, p) -> {
                OptionalLong offset = p.takeCommittable();
                if (offset.isPresent()) {
                    offsets.put(partition, new OffsetAndMetadata(offset.getAsLong()));
                    Retry retry = retries.get(partition);
                    if (retry != null && offset.getAsLong() > retry.offset) {
                        retries.remove(partition);
                    }
                }
            });
            if (offsets.isEmpty()) {
                return;
            }
            if (sync) {
                kafka.commitSync(offsets);
            } else {
                kafka.commitAsync(offsets, (committed, error) -> {
                    if (error != null) {
                        // A later commit covers these offsets; at worst they are read again.
                        LOG.warn("Offset commit for route '{}' failed: {}", getRouteId(), error.getMessage());
                    }
                });
            }
        }

        private void commitPartition(TopicPartition partition, PartitionProgress p) {
            OptionalLong offset = p.takeCommittable();
            if (offset.isPresent()) {
                kafka.commitSync(Map.of(partition, new OffsetAndMetadata(offset.getAsLong())));
            }
        }

        /** Waits, bounded, until the route settled every record in flight of these partitions. */
        private void drain(Collection<TopicPartition> partitions) {
            long deadline = System.nanoTime() + endpoint.getDrainTimeoutMillis() * 1_000_000;
            for (TopicPartition partition : partitions) {
                PartitionProgress p = progress.get(partition);
                while (p != null && p.outstanding() > 0 && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            drain(partitions);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : partitions) {
                PartitionProgress p = progress.remove(partition);
                OptionalLong offset = p == null ? OptionalLong.empty() : p.takeCommittable();
                offset.ifPresent(o -> offsets.put(partition, new OffsetAndMetadata(o)));
                pausedForFailure.remove(partition);
                retries.remove(partition);
            }
            if (!offsets.isEmpty()) {
                kafka.commitSync(offsets);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                progress.put(partition, new PartitionProgress());
            }
            if (pausedForBackpressure) {
                kafka.pause(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member owns them now; whatever completes here is read again there.
            for (TopicPartition partition : partitions) {
                progress.remove(partition);
                pausedForFailure.remove(partition);
                retries.remove(partition);
            }
        }
    }

    private record Retry(long offset, int attempt, long resumeAt, long firstFailureMillis) {
    }
}

package io.interchange.bridge.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.interchange.bridge.Backoff;
import io.interchange.bridge.BridgeMetrics;
import io.interchange.bridge.InFlightWindow;
import io.interchange.bridge.SourceHealth;
import io.interchange.bridge.SourceSupervision;
import io.interchange.deadletter.DeadLetterHeaders;
import io.interchange.observability.TraceContext;
import io.interchange.security.IngressHeaders;

/**
 * Poll threads that hand every record to the route without waiting for the one before, and commit
 * per partition only the offsets whose route completed. A record whose route failed (after the
 * route's own error handling) stops its partition: once the partition's records in flight are
 * settled, the consumer seeks back to the failed record and reads on from there after a backoff,
 * so records of one partition reach the sink in order, a failure never loses one, and the records
 * that followed it are sent again (at least once, never skipped).
 *
 * <p>What a record went through survives re-reads, rebalances and restarts in the commit metadata
 * ({@link OffsetNote}): its attempt count and first failure, and a lease that bounds which records may be
 * in flight. A new owner that finds records possibly in flight under a lease the last owner did not hand
 * over cleanly (it died) reads on at full speed but marks them suspect in its own commits; an owner that
 * finds suspect records under an unclean lease again (two deaths in a row there) reads them carefully: one
 * at a time, each start recorded before it goes out, so a record that kills the gateway is counted and,
 * once it has done so {@code max-attempts} times, dead-lettered unprocessed
 * ({@link DeadLetterHeaders#UNSETTLED_ATTEMPTS}). One death costs no careful reading: the first is
 * rarely the records' doing, and reading a lease's worth of records per partition one at a time after
 * every pod loss would hold the stream back for minutes.
 */
public class KafkaSourceConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSourceConsumer.class);

    private final KafkaSourceEndpoint endpoint;
    private final List<Worker> workers = new ArrayList<>();
    private BridgeMetrics metrics;
    private SourceHealth health;

    public KafkaSourceConsumer(KafkaSourceEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        SourceSupervision supervision = ((KafkaSourceComponent) endpoint.getComponent()).getSupervision();
        health = supervision.health(getRouteId());
        health.backlog(() -> workers.stream().mapToLong(w -> w.lag).sum() + inFlight());
        health.attach(this, (KafkaSourceComponent) endpoint.getComponent());
        metrics = BridgeMetrics.of(getEndpoint().getCamelContext(), getRouteId(), "kafka", this::inFlight, health);
        for (int i = 0; i < endpoint.getConsumersCount(); i++) {
            Worker worker = new Worker(getRouteId() + "-" + i, supervision);
            workers.add(worker);
            worker.thread = new Thread(worker, "interchange-kafka-" + worker.clientId);
            worker.thread.start();
        }
    }

    @Override
    protected void doStop() throws Exception {
        workers.forEach(Worker::stop);
        for (Worker worker : workers) {
            worker.thread.join(endpoint.getDrainTimeoutMillis() + 10_000);
            if (worker.thread.isAlive()) {
                LOG.warn("Route '{}': Kafka consumer {} did not stop within the drain timeout", getRouteId(), worker.clientId);
            }
        }
        workers.clear();
        if (health != null) {
            health.stopped();
            health.detach(this);
        }
        super.doStop();
    }

    /** Records in flight over all poll threads; for metrics and tests. */
    public int inFlight() {
        return workers.stream().mapToInt(w -> w.loop == null ? 0 : w.loop.window.messages()).sum();
    }

    /**
     * One member of the group, supervised: when its poll loop ends on anything but a stop (a commit that throws
     * during a rebalance, an error escaping a step, the broker away for too long), the loop's records in flight
     * are drained and committed as far as they completed, the consumer closed, and a new one joins the group
     * after a backoff. The partitions are read again from the last commit: nothing is lost.
     */
    private final class Worker implements Runnable {

        private final String clientId;
        private final SourceSupervision supervision;
        private final Object pause = new Object();
        private volatile boolean running = true;
        private volatile PollLoop loop;
        /** The group's lag over this member's partitions, as last seen by its poll thread. */
        private volatile long lag;
        private Thread thread;

        Worker(String clientId, SourceSupervision supervision) {
            this.clientId = clientId;
            this.supervision = supervision;
        }

        @Override
        public void run() {
            int restarts = 0;
            while (running) {
                Throwable failure;
                try {
                    loop = new PollLoop(new KafkaConsumer<>(endpoint.kafkaProperties(clientId)), this);
                    failure = loop.run();
                } catch (RuntimeException e) {
                    failure = e; // the consumer could not even be made (configuration, DNS)
                }
                if (!running) {
                    return;
                }
                restarts++;
                health.restarting(failure);
                long backoff = supervision.backoffMillis(restarts);
                LOG.warn("Route '{}': Kafka consumer {} stopped unexpectedly ({}); a new one joins the group in {} ms",
                        getRouteId(), clientId, failure, backoff);
                synchronized (pause) {
                    try {
                        pause.wait(backoff);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        void stop() {
            running = false;
            PollLoop current = loop;
            if (current != null) {
                current.stop();
            }
            synchronized (pause) {
                pause.notifyAll();
            }
        }
    }

    private final class PollLoop implements ConsumerRebalanceListener {

        private final KafkaConsumer<String, byte[]> kafka;
        private final Map<TopicPartition, PartitionProgress> progress = new ConcurrentHashMap<>();
        private final Map<TopicPartition, Retry> retries = new HashMap<>();
        private final Set<TopicPartition> pausedForFailure = new HashSet<>();
        /** Offsets below which this owner may dispatch: written to the commit metadata before it does. */
        private final Map<TopicPartition, Long> leases = new HashMap<>();
        /** Partitions read carefully (one record at a time) below this offset, after an unclean handover. */
        private final Map<TopicPartition, Long> careful = new HashMap<>();
        /** Offsets below which records lay under a lease a dead owner left: a second death there is the records'. */
        private final Map<TopicPartition, Long> suspect = new HashMap<>();
        /** Records fetched for careful partitions and not dispatched yet, oldest first. */
        private final Map<TopicPartition, ArrayDeque<ConsumerRecord<String, byte[]>>> held = new HashMap<>();
        /** Careful partitions paused while their one record is in flight. */
        private final Set<TopicPartition> carefulWaiting = new HashSet<>();
        private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
        /** The highest offset per partition that Kafka confirmed storing. */
        private final Map<TopicPartition, Long> stored = new HashMap<>();
        /**
         * Offsets an asynchronous commit failed to store (the broker away): committed again when the next commit is
         * due even if nothing completed since, or the group's lag would stay behind what was delivered for good.
         */
        private final Map<TopicPartition, Long> recommit = new HashMap<>();
        private final InFlightWindow window = new InFlightWindow(endpoint.getMaxInFlight(), endpoint.getMaxInFlightBytes());
        private volatile boolean pausedForBackpressure;
        private long nextCommit;
        private volatile boolean running = true;
        private Thread thread;

        private final Worker worker;
        private long nextLag;

        PollLoop(KafkaConsumer<String, byte[]> kafka, Worker worker) {
            this.kafka = kafka;
            this.worker = worker;
        }

        void stop() {
            running = false;
            kafka.wakeup();
        }

        /** Polls until stopped (returns null) or until something fails (returns it). */
        Throwable run() {
            Throwable failure = null;
            try {
                kafka.subscribe(endpoint.topicList(), this);
                while (running) {
                    health.beat();
                    if (pausedForBackpressure) {
                        // Polling paused partitions would sleep the whole poll timeout while the route empties
                        // the window (the sink then runs dry); wait for the drain instead, then resume.
                        awaitDrain();
                        applyBackpressure();
                    }
                    resumeCareful();
                    ConsumerRecords<String, byte[]> records = kafka.poll(pausedForBackpressure ? Duration.ZERO
                            : Duration.ofMillis(carefulWaiting.isEmpty() ? 100 : 5));
                    health.running();
                    measureLag();
                    for (TopicPartition partition : records.partitions()) {
                        PartitionProgress p = progress.get(partition);
                        // A partition with a failure is read again from the failed record.
                        if (p != null && p.failedOffset() < 0 && !pausedForFailure.contains(partition)) {
                            dispatchAll(partition, records.records(partition), p);
                        }
                    }
                    handleFailures();
                    applyBackpressure();
                    commitIfDue(false);
                }
            } catch (WakeupException e) {
                if (running) {
                    failure = e;
                }
            } catch (Throwable e) {
                failure = e;
                LOG.error("Kafka poll loop of route '{}' failed; its records in flight are drained, committed as far as"
                        + " they completed, and the partitions read again by a new consumer", getRouteId(), e);
            } finally {
                try {
                    drain(progress.keySet());
                    commitOnHandover(new ArrayList<>(progress.keySet()));
                } catch (RuntimeException e) {
                    LOG.warn("Route '{}': final offset commit failed; uncommitted records are read again: {}",
                            getRouteId(), e.getMessage());
                }
                try {
                    kafka.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.debug("Closing the Kafka consumer of route '{}': {}", getRouteId(), e.getMessage());
                }
            }
            return failure;
        }

        /** The group's lag over the assigned partitions, from what the last fetches told; at most once a second. */
        private void measureLag() {
            long now = System.nanoTime();
            if (now - nextLag < 0) {
                return;
            }
            nextLag = now + 1_000_000_000L;
            long total = 0;
            for (TopicPartition partition : kafka.assignment()) {
                OptionalLong lag = kafka.currentLag(partition);
                total += lag.orElse(0);
            }
            worker.lag = total;
        }

        private void dispatchAll(TopicPartition partition, List<ConsumerRecord<String, byte[]>> records,
                PartitionProgress p) {
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<String, byte[]> record = records.get(i);
                if (p.failedOffset() >= 0) {
                    return; // the partition is read again from the failed record
                }
                Long carefulUntil = careful.get(partition);
                if (carefulUntil != null && record.offset() < carefulUntil) {
                    // One record at a time, from what this fetch brought: fetching again for each record would
                    // wait out fetch.max.wait.ms whenever the other partitions have nothing to fetch.
                    held.computeIfAbsent(partition, k -> new ArrayDeque<>()).addAll(records.subList(i, records.size()));
                    kafka.pause(List.of(partition));
                    carefulWaiting.add(partition);
                    dispatchHeld(partition, p);
                    return;
                }
                if (carefulUntil != null) {
                    careful.remove(partition);
                    LOG.info("Route '{}': {} is past the records its last owner may have had in flight; reading"
                            + " at full speed again", getRouteId(), partition);
                }
                if (window.bytes() >= endpoint.getMaxInFlightBytes() && window.messages() > 0) {
                    // The window is full in bytes: the rest of the batch is fetched again once it drained.
                    kafka.seek(partition, record.offset());
                    applyBackpressure();
                    return;
                }
                if (record.offset() >= leases.getOrDefault(partition, -1L) && !renewLease(partition, p, record.offset())) {
                    kafka.seek(partition, record.offset());
                    return;
                }
                dispatch(record, p);
            }
        }

        /** Careful mode: the start of this attempt is committed before the record goes out. */
        private boolean recordStart(TopicPartition partition, long offset) {
            Retry retry = retries.get(partition);
            boolean again = retry != null && retry.offset == offset;
            // The lease keeps covering the whole careful range: dying now, the next owner reads it carefully too.
            OffsetNote note = new OffsetNote((again ? retry.attempt : 0) + 1, (again ? retry.abandoned : 0) + 1,
                    again ? retry.firstFailureMillis : 0, Math.max(leases.getOrDefault(partition, 0L), offset + 1),
                    suspectAbove(partition, offset));
            return commit(partition, offset, note);
        }

        /** Before dispatching past its lease, an owner records a new one; false if the commit failed. */
        private boolean renewLease(TopicPartition partition, PartitionProgress p, long offset) {
            long renewed = offset + Math.max(1_000, 2L * endpoint.getMaxPollRecords());
            OptionalLong committable = p.takeCommittable();
            long at = committable.isPresent() ? committable.getAsLong() : lastCommitted.getOrDefault(partition, offset);
            long previous = leases.getOrDefault(partition, -1L);
            leases.put(partition, renewed);
            if (!commit(partition, at, note(partition, at))) {
                leases.put(partition, previous);
                return false;
            }
            return true;
        }

        private void dispatch(ConsumerRecord<String, byte[]> record, PartitionProgress p) {
            p.dispatched(record.offset());
            metrics.received();
            Exchange exchange = createExchange(false);
            Message message = exchange.getMessage();
            message.setBody(record.value());
            IngressHeaders.Admission admission = endpoint.ingress().admit(message);
            // The window counts the record's bytes, headers included; one pass over the headers does both.
            long size = record.value() == null ? 0 : record.value().length;
            for (Header header : record.headers()) {
                String key = header.key();
                byte[] value = header.value();
                size += key.length() + (value == null ? 0 : value.length);
                admission.putText(key, value);
            }
            long bytes = size;
            window.add(1, bytes);
            admission.finish(exchange);
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
            if (again && retry.firstFailureMillis > 0) {
                message.setHeader(DeadLetterHeaders.FIRST_FAILURE, retry.firstFailureMillis);
            }
            if (again && retry.abandoned > 0) {
                exchange.setProperty(DeadLetterHeaders.UNSETTLED_ATTEMPTS, retry.abandoned);
            }
            long offset = record.offset();
            getAsyncProcessor().process(exchange, doneSync -> {
                boolean failed = exchange.isFailed();
                if (failed) {
                    Exception cause = exchange.getException();
                    LOG.warn("Route '{}' failed on {}-{} offset {}; it will be read again: {}{}", getRouteId(),
                            record.topic(), record.partition(), offset, cause == null ? "rolled back" : cause.getMessage(),
                            TraceContext.logSuffix(exchange));
                }
                p.completed(offset, failed);
                window.remove(1, bytes);
                if (failed) {
                    metrics.failed();
                } else {
                    metrics.completed(record.timestamp());
                    health.progress();
                }
                releaseExchange(exchange, false);
            });
        }

        private void resumeCareful() {
            for (TopicPartition partition : new ArrayList<>(carefulWaiting)) {
                PartitionProgress p = progress.get(partition);
                if (p == null) {
                    carefulWaiting.remove(partition);
                    held.remove(partition);
                } else {
                    dispatchHeld(partition, p);
                }
            }
        }

        /**
         * A careful partition, paused, once its one record in flight settled: the next held record goes out, its
         * start recorded first; past the careful range the rest goes at full speed; with nothing held the partition
         * is fetched again.
         */
        private void dispatchHeld(TopicPartition partition, PartitionProgress p) {
            if (p.outstanding() > 0 || p.failedOffset() >= 0) {
                return;
            }
            ArrayDeque<ConsumerRecord<String, byte[]>> queue = held.get(partition);
            ConsumerRecord<String, byte[]> next = queue == null ? null : queue.peekFirst();
            Long carefulUntil = careful.get(partition);
            if (next != null && carefulUntil != null && next.offset() < carefulUntil) {
                if (recordStart(partition, next.offset())) {
                    queue.pollFirst();
                    dispatch(next, p);
                }
                return; // a failed start is tried again on the next turn
            }
            held.remove(partition);
            carefulWaiting.remove(partition);
            if (!pausedForFailure.contains(partition) && !pausedForBackpressure) {
                kafka.resume(List.of(partition));
            }
            if (next != null) {
                dispatchAll(partition, new ArrayList<>(queue), p);
            }
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
                    Retry retry = retries.get(partition);
                    boolean again = retry != null && retry.offset == failed;
                    int attempt = (again ? retry.attempt : 0) + 1;
                    long firstFailure = again && retry.firstFailureMillis > 0 ? retry.firstFailureMillis
                            : System.currentTimeMillis();
                    long backoff = new Backoff(endpoint.getRetryBackoffMillis(), endpoint.getMaxRetryBackoffMillis()).after(attempt);
                    retries.put(partition, new Retry(failed, attempt, again ? retry.abandoned : 0,
                            now + backoff * 1_000_000, firstFailure));
                    // Every record before the failed one completed; the failed one's count goes along.
                    p.takeCommittable();
                    commit(partition, failed, note(partition, failed));
                    kafka.seek(partition, failed);
                    // Held careful records come again from the seek.
                    held.remove(partition);
                    carefulWaiting.remove(partition);
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
                    if (!pausedForBackpressure && !carefulWaiting.contains(partition)) {
                        kafka.resume(List.of(partition));
                    }
                }
            }
        }

        /** Up to 100 ms (failures and commits still get their turn), until the window is half empty. */
        private void awaitDrain() {
            try {
                window.awaitBelowHalf(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void applyBackpressure() {
            if (!pausedForBackpressure && window.isFull()) {
                pausedForBackpressure = true;
                kafka.pause(kafka.assignment());
            } else if (pausedForBackpressure && window.isBelowHalf()) {
                pausedForBackpressure = false;
                List<TopicPartition> resumable = kafka.assignment().stream()
                        .filter(tp -> !pausedForFailure.contains(tp) && !carefulWaiting.contains(tp)).toList();
                kafka.resume(resumable);
            }
        }

        /** The note to commit beside {@code offset}: the count of a record that failed there, and the lease. */
        private String note(TopicPartition partition, long offset) {
            Retry retry = retries.get(partition);
            boolean at = retry != null && retry.offset == offset;
            return new OffsetNote(at ? retry.attempt : 0, at ? retry.abandoned : 0, at ? retry.firstFailureMillis : 0,
                    leases.getOrDefault(partition, 0L), suspectAbove(partition, offset)).encode();
        }

        /** The end of the suspect range if {@code offset} lies in it, else 0. */
        private long suspectAbove(TopicPartition partition, long offset) {
            long end = suspect.getOrDefault(partition, 0L);
            return end > offset ? end : 0;
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
                    offsets.put(partition, new OffsetAndMetadata(offset.getAsLong(), note(partition, offset.getAsLong())));
                    lastCommitted.put(partition, offset.getAsLong());
                    Retry retry = retries.get(partition);
                    if (retry != null && offset.getAsLong() > retry.offset) {
                        retries.remove(partition);
                    }
                }
            });
            recommit.forEach((partition, offset) -> {
                if (progress.containsKey(partition) && !offsets.containsKey(partition)
                        && offset > stored.getOrDefault(partition, -1L)) {
                    offsets.put(partition, new OffsetAndMetadata(offset, note(partition, offset)));
                }
            });
            recommit.clear();
            if (offsets.isEmpty()) {
                return;
            }
            if (sync) {
                kafka.commitSync(offsets);
                offsets.forEach((partition, offset) -> stored.merge(partition, offset.offset(), Math::max));
            } else {
                // Callbacks run on this thread, inside a later poll or commit.
                kafka.commitAsync(offsets, (committed, error) -> {
                    if (error != null) {
                        LOG.warn("Offset commit for route '{}' failed, trying again: {}", getRouteId(),
                                error.getMessage());
                    }
                    offsets.forEach((partition, offset) -> (error == null ? stored : recommit).merge(partition,
                            offset.offset(), Math::max));
                });
            }
        }

        /** A synchronous commit of one partition; false (and logged) if Kafka refused it. */
        private boolean commit(TopicPartition partition, long offset, OffsetNote note) {
            return commit(partition, offset, note.encode());
        }

        private boolean commit(TopicPartition partition, long offset, String note) {
            try {
                kafka.commitSync(Map.of(partition, new OffsetAndMetadata(offset, note)));
                lastCommitted.put(partition, offset);
                stored.merge(partition, offset, Math::max);
                return true;
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                LOG.warn("Route '{}': offset commit of {} failed, trying again: {}", getRouteId(), partition,
                        e.getMessage());
                return false;
            }
        }

        /**
         * Commits what completed, and for a partition with nothing left in flight a note without a lease: the
         * next owner reads it at full speed. A partition still in flight keeps its lease (read carefully next).
         */
        private void commitOnHandover(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : partitions) {
                PartitionProgress p = progress.get(partition);
                if (p == null) {
                    continue;
                }
                OptionalLong committable = p.takeCommittable();
                Long at = committable.isPresent() ? Long.valueOf(committable.getAsLong()) : lastCommitted.get(partition);
                if (at == null) {
                    continue;
                }
                if (p.outstanding() == 0 && !careful.containsKey(partition)) {
                    leases.remove(partition);
                }
                offsets.put(partition, new OffsetAndMetadata(at, note(partition, at)));
            }
            if (offsets.isEmpty()) {
                return;
            }
            try {
                kafka.commitSync(offsets);
            } catch (WakeupException e) {
                // stop() woke the consumer; the wakeup is spent, so this one goes through
                kafka.commitSync(offsets);
            }
            // Closing the consumer revokes the partitions and hands them over again: from here, not from an older
            // commit (that would read again what is already delivered).
            offsets.forEach((partition, offset) -> {
                lastCommitted.put(partition, offset.offset());
                stored.merge(partition, offset.offset(), Math::max);
            });
        }

        /** Waits, bounded, until the route settled every record in flight of these partitions. */
        private void drain(Collection<TopicPartition> partitions) {
            long deadline = System.nanoTime() + endpoint.getDrainTimeoutMillis() * 1_000_000;
            for (TopicPartition partition : partitions) {
                PartitionProgress p = progress.get(partition);
                while (p != null && p.outstanding() > 0 && System.nanoTime() - deadline < 0) {
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
            commitOnHandover(partitions);
            for (TopicPartition partition : partitions) {
                forget(partition);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                progress.put(partition, new PartitionProgress());
            }
            if (!partitions.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> committed = kafka.committed(new HashSet<>(partitions));
                Map<TopicPartition, OffsetAndMetadata> marks = new HashMap<>();
                long now = System.nanoTime();
                committed.forEach((partition, offset) -> {
                    if (offset == null) {
                        return;
                    }
                    lastCommitted.put(partition, offset.offset());
                    OffsetNote note = OffsetNote.decode(offset.metadata());
                    if (note.attempts() > 0 || note.abandoned() > 0) {
                        retries.put(partition, new Retry(offset.offset(), note.attempts(), note.abandoned(), now,
                                note.firstFailure()));
                    }
                    if (note.lease() > offset.offset()) {
                        leases.put(partition, note.lease());
                        suspect.put(partition, Math.max(note.lease(), note.suspect()));
                        if (note.suspect() > offset.offset()) {
                            careful.put(partition, note.suspect());
                            LOG.warn("Route '{}': the owners of {} stopped twice in a row with records up to offset {}"
                                    + " possibly in flight; reading them one at a time", getRouteId(), partition,
                                    note.suspect() - 1);
                        } else {
                            LOG.info("Route '{}': the last owner of {} stopped with records up to offset {} possibly"
                                    + " in flight; reading on, one at a time should this owner stop there too",
                                    getRouteId(), partition, note.lease() - 1);
                        }
                        marks.put(partition, new OffsetAndMetadata(offset.offset(), note(partition, offset.offset())));
                    }
                });
                markSuspect(marks);
            }
            if (pausedForBackpressure) {
                kafka.pause(partitions);
            }
        }

        /**
         * Records the suspect ranges before anything under them is dispatched; where that fails, they are read
         * carefully at once, which is what another death there would lead to.
         */
        private void markSuspect(Map<TopicPartition, OffsetAndMetadata> marks) {
            if (marks.isEmpty()) {
                return;
            }
            try {
                kafka.commitSync(marks);
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                LOG.warn("Route '{}': could not record the records its last owner left in flight ({}); reading them"
                        + " one at a time", getRouteId(), e.getMessage());
                marks.keySet().forEach(partition -> careful.putIfAbsent(partition, leases.get(partition)));
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member owns them now; whatever completes here is read again there.
            for (TopicPartition partition : partitions) {
                forget(partition);
            }
        }

        private void forget(TopicPartition partition) {
            progress.remove(partition);
            pausedForFailure.remove(partition);
            retries.remove(partition);
            leases.remove(partition);
            careful.remove(partition);
            suspect.remove(partition);
            carefulWaiting.remove(partition);
            held.remove(partition);
            lastCommitted.remove(partition);
            stored.remove(partition);
            recommit.remove(partition);
        }
    }

    /**
     * A record's history at one offset: {@code attempt} deliveries so far (failed or abandoned), of which
     * {@code abandoned} ended without an outcome; read again not before {@code resumeAt} (nanoTime).
     */
    private record Retry(long offset, int attempt, int abandoned, long resumeAt, long firstFailureMillis) {
    }
}

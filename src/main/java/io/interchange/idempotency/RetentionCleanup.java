package io.interchange.idempotency;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Deletes keys older than the retention every {@code cleanup-interval} and refreshes the gauge of keys
 * held. Every replica runs it; the deletes are idempotent.
 */
public class RetentionCleanup implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(RetentionCleanup.class);

    private final IdempotencyKeyStore store;
    private final IdempotencyProperties properties;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong keys = new AtomicLong(-1);
    private final Counter expired;

    public RetentionCleanup(IdempotencyKeyStore store, IdempotencyProperties properties, MeterRegistry meters) {
        this.store = store;
        this.properties = properties;
        this.expired = Counter.builder("interchange.idempotency.keys.expired").tag("store", store.name())
                .description("Keys deleted after the retention").register(meters);
        meters.gauge("interchange.idempotency.keys", java.util.List.of(io.micrometer.core.instrument.Tag.of("store",
                store.name())), keys, AtomicLong::get);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "idempotency-cleanup");
            thread.setDaemon(true);
            return thread;
        });
        long interval = properties.cleanupInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::runOnce, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** One cleanup pass; returns the keys deleted (public for tests and operators). */
    public long runOnce() {
        try {
            long deleted = store.deleteOlderThan(properties.retention());
            expired.increment(deleted);
            keys.set(store.size());
            if (deleted > 0) {
                LOG.info("Deleted {} idempotency keys older than {}", deleted, properties.retention());
            }
            return deleted;
        } catch (RuntimeException e) {
            LOG.warn("Idempotency cleanup failed, next try in {}: {}", properties.cleanupInterval(), e.getMessage());
            return 0;
        }
    }

    @Override
    public void destroy() {
        scheduler.shutdownNow();
    }
}

package io.interchange.idempotency;

import java.util.function.Supplier;

import org.apache.camel.spi.IdempotentRepository;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The {@link IdempotentRepository} behind bean {@code idempotencyStore}, for Camel's idempotent
 * consumer with {@code eager: true}, {@code removeOnFailure: true} and {@code completionEager: false}:
 * <ul>
 * <li>{@code add} reserves the key in the store before the event is processed, so a duplicate on any
 * replica sees it; a confirmed key makes the delivery a duplicate (dropped, counted); a key still in
 * progress elsewhere fails the delivery with {@link KeyInProgressException} so the source tries it
 * again later (dropping it would lose the event if that other exchange failed or its gateway died);</li>
 * <li>{@code confirm} (the exchange completed) makes the key final until the retention ends;</li>
 * <li>{@code remove} (the exchange failed, or was dead-lettered) releases it, so the redelivery, or a
 * replay of the dead letter, is processed.</li>
 * </ul>
 * Confirmed keys are also kept in a bounded in-memory cache in front of the store.
 *
 * <p>Shared by every route that names it, so Camel's start and stop of a route's idempotent consumer do
 * nothing here; Spring owns its life.
 */
public class SharedIdempotentRepository implements IdempotentRepository {

    private final IdempotencyKeyStore store;
    private final IdempotencyProperties properties;
    private final ConfirmedKeyCache cache;
    private final Counter duplicates;
    private final Counter inProgress;
    private final Counter stored;
    private final Counter cacheHits;
    private final Timer reserveLatency;
    private final Timer confirmLatency;
    private final Timer releaseLatency;

    public SharedIdempotentRepository(IdempotencyKeyStore store, IdempotencyProperties properties, MeterRegistry meters) {
        this.store = store;
        this.properties = properties;
        this.cache = new ConfirmedKeyCache(properties.cacheSize(), properties.retention());
        String name = store.name();
        this.duplicates = Counter.builder("interchange.idempotency.duplicates").tag("store", name)
                .description("Deliveries dropped because their event was already processed").register(meters);
        this.inProgress = Counter.builder("interchange.idempotency.in.progress").tag("store", name)
                .description("Deliveries failed for a later retry because their event was being processed elsewhere")
                .register(meters);
        this.stored = Counter.builder("interchange.idempotency.keys.stored").tag("store", name)
                .description("Keys confirmed in the store (events processed)").register(meters);
        this.cacheHits = Counter.builder("interchange.idempotency.cache.hits").tag("store", name)
                .description("Duplicates recognised by the in-memory cache without asking the store").register(meters);
        this.reserveLatency = latency(meters, name, "reserve");
        this.confirmLatency = latency(meters, name, "confirm");
        this.releaseLatency = latency(meters, name, "release");
        meters.gauge("interchange.idempotency.cache.size", java.util.List.of(io.micrometer.core.instrument.Tag.of("store", name)),
                cache, ConfirmedKeyCache::size);
    }

    private static Timer latency(MeterRegistry meters, String store, String operation) {
        return Timer.builder("interchange.idempotency.store.latency").tag("store", store).tag("operation", operation)
                .description("Round trip of one idempotency store operation").register(meters);
    }

    @Override
    public boolean add(String key) {
        if (cache.isConfirmed(key)) {
            cacheHits.increment();
            duplicates.increment();
            return false;
        }
        IdempotencyKeyStore.Reservation reservation = timed(reserveLatency,
                () -> store.reserve(key, properties.lease(), properties.retention()));
        switch (reservation) {
            case RESERVED:
                return true;
            case CONFIRMED:
                cache.confirmed(key);
                duplicates.increment();
                return false;
            default:
                inProgress.increment();
                throw new KeyInProgressException(key);
        }
    }

    @Override
    public boolean confirm(String key) {
        timed(confirmLatency, () -> {
            store.confirm(key);
            return null;
        });
        cache.confirmed(key);
        stored.increment();
        return true;
    }

    @Override
    public boolean remove(String key) {
        cache.forget(key);
        timed(releaseLatency, () -> {
            store.release(key);
            return null;
        });
        return true;
    }

    @Override
    public boolean contains(String key) {
        return cache.isConfirmed(key) || store.isConfirmed(key, properties.retention());
    }

    @Override
    public void clear() {
        cache.clear();
        store.clear();
    }

    public IdempotencyKeyStore store() {
        return store;
    }

    // For KeyBatcher (interchange-idempotent), which shares this repository's store, cache and meters.

    IdempotencyProperties properties() {
        return properties;
    }

    ConfirmedKeyCache cache() {
        return cache;
    }

    void countDuplicate(boolean cacheHit) {
        duplicates.increment();
        if (cacheHit) {
            cacheHits.increment();
        }
    }

    void countInProgress() {
        inProgress.increment();
    }

    void countStored(int keys) {
        stored.increment(keys);
    }

    Timer latency(String operation) {
        return switch (operation) {
            case "reserve" -> reserveLatency;
            case "confirm" -> confirmLatency;
            default -> releaseLatency;
        };
    }

    private static <T> T timed(Timer timer, Supplier<T> operation) {
        long start = System.nanoTime();
        try {
            return operation.get();
        } finally {
            timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void start() {
        // owned by Spring: shared by routes
    }

    @Override
    public void stop() {
        // owned by Spring: one route stopping must not stop it for the others
    }
}

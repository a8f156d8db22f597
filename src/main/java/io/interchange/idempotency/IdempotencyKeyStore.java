package io.interchange.idempotency;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where idempotency keys live. A key is first <em>reserved</em> (an exchange is processing its event)
 * and then either <em>confirmed</em> (processed: duplicates are dropped until the retention ends) or
 * <em>released</em> (failed: the next delivery processes it).
 */
public interface IdempotencyKeyStore {

    enum Reservation {
        /** The caller owns the key and processes the event. */
        RESERVED,
        /** The event was processed: drop this delivery. */
        CONFIRMED,
        /** Another exchange (here or on another replica) is processing the event right now. */
        IN_PROGRESS
    }

    /**
     * Reserves {@code key} atomically, also against other replicas. A reservation older than {@code lease}
     * and a confirmation older than {@code retention} no longer count: the caller takes the key over.
     */
    Reservation reserve(String key, Duration lease, Duration retention);

    /**
     * {@link #reserve} for many distinct keys at once (one round trip where the store allows it); the
     * result has every key. Keys are reserved in their sorted order, so two replicas reserving overlapping
     * sets cannot deadlock each other.
     */
    default Map<String, Reservation> reserveAll(Collection<String> keys, Duration lease, Duration retention) {
        Map<String, Reservation> result = new LinkedHashMap<>();
        keys.stream().sorted().forEach(key -> result.put(key, reserve(key, lease, retention)));
        return result;
    }

    void confirm(String key);

    /** {@link #confirm} for many keys at once. */
    default void confirmAll(Collection<String> keys) {
        keys.stream().sorted().forEach(this::confirm);
    }

    /** {@link #release} for many keys at once. */
    default void releaseAll(Collection<String> keys) {
        keys.stream().sorted().forEach(this::release);
    }

    /** Releases a reservation; a confirmed key stays. */
    void release(String key);

    boolean isConfirmed(String key, Duration retention);

    /** Deletes keys (confirmed or not) older than {@code retention}; returns how many. */
    long deleteOlderThan(Duration retention);

    /** Keys stored, or -1 if the store cannot tell cheaply. */
    long size();

    void clear();

    /** A short name for metrics: memory, jdbc. */
    String name();
}

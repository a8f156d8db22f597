package io.interchange.idempotency;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The most recently confirmed keys, in memory in front of the store, so most duplicates are dropped
 * without a round trip. Only confirmed keys are cached (a confirmation is final until the retention
 * ends), at most {@code capacity}, least recently used out first.
 */
final class ConfirmedKeyCache {

    private final int capacity;
    private final long retentionNanos;
    private final Map<String, Long> confirmedAt;

    ConfirmedKeyCache(int capacity, Duration retention) {
        this.capacity = capacity;
        this.retentionNanos = retention.toNanos();
        this.confirmedAt = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > ConfirmedKeyCache.this.capacity;
            }
        };
    }

    synchronized boolean isConfirmed(String key) {
        Long at = confirmedAt.get(key);
        if (at == null) {
            return false;
        }
        if (System.nanoTime() - at > retentionNanos) {
            confirmedAt.remove(key);
            return false;
        }
        return true;
    }

    synchronized void confirmed(String key) {
        if (capacity > 0) {
            confirmedAt.put(key, System.nanoTime());
        }
    }

    synchronized void forget(String key) {
        confirmedAt.remove(key);
    }

    synchronized void clear() {
        confirmedAt.clear();
    }

    synchronized int size() {
        return confirmedAt.size();
    }
}

package io.interchange.idempotency;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/** Keys in this process only: dev mode and tests. A restart forgets them; replicas do not share them. */
public class MemoryIdempotencyKeyStore implements IdempotencyKeyStore {

    private record Entry(boolean confirmed, long atNanos) {
    }

    private final ConcurrentHashMap<String, Entry> keys = new ConcurrentHashMap<>();

    @Override
    public Reservation reserve(String key, Duration lease, Duration retention) {
        Reservation[] outcome = new Reservation[1];
        keys.compute(key, (k, entry) -> {
            long now = System.nanoTime();
            if (entry == null || now - entry.atNanos() > retention.toNanos()
                    || (!entry.confirmed() && now - entry.atNanos() > lease.toNanos())) {
                outcome[0] = Reservation.RESERVED;
                return new Entry(false, now);
            }
            outcome[0] = entry.confirmed() ? Reservation.CONFIRMED : Reservation.IN_PROGRESS;
            return entry;
        });
        return outcome[0];
    }

    @Override
    public void confirm(String key) {
        keys.put(key, new Entry(true, System.nanoTime()));
    }

    @Override
    public void release(String key) {
        keys.computeIfPresent(key, (k, entry) -> entry.confirmed() ? entry : null);
    }

    @Override
    public boolean isConfirmed(String key, Duration retention) {
        Entry entry = keys.get(key);
        return entry != null && entry.confirmed() && System.nanoTime() - entry.atNanos() <= retention.toNanos();
    }

    @Override
    public long deleteOlderThan(Duration retention) {
        long limit = System.nanoTime() - retention.toNanos();
        int before = keys.size();
        keys.values().removeIf(entry -> entry.atNanos() < limit);
        return Math.max(0, before - keys.size());
    }

    @Override
    public long size() {
        return keys.size();
    }

    @Override
    public void clear() {
        keys.clear();
    }

    @Override
    public String name() {
        return "memory";
    }
}

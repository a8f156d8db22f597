package io.interchange.brokers;

import java.time.Duration;

/** A start or stop deadline for the harness's short poll loops. */
final class Deadline {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final long endNanos;

    private Deadline(Duration timeout) {
        this.endNanos = System.nanoTime() + timeout.toNanos();
    }

    static Deadline in(Duration timeout) {
        return new Deadline(timeout);
    }

    boolean expired() {
        return System.nanoTime() > endNanos;
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Waits one poll interval before the caller checks its condition again. */
    static void pause() {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a broker", e);
        }
    }
}

package io.interchange.bridge.rabbitmq;

/**
 * The prefetch that keeps what RabbitMQ pushes to a consumer within a byte budget: budget / size of the
 * largest message of the last two windows of {@value #WINDOW} deliveries, between 1 and the configured
 * prefetch. Only the consumer's dispatch thread observes.
 */
final class PrefetchWindow {

    static final int WINDOW = 256;
    /** Messages are never taken for smaller than this: tiny ones would ask for an endless prefetch. */
    private static final long MIN_SIZE = 1024;

    private final int maxPrefetch;
    private final long budget;
    private long current;
    private long previous;
    private int seen;

    PrefetchWindow(int maxPrefetch, long budget) {
        this.maxPrefetch = Math.max(1, maxPrefetch);
        this.budget = Math.max(1, budget);
    }

    /** Records a delivery's size; returns the prefetch wanted now. */
    synchronized int observe(long size) {
        current = Math.max(current, size);
        if (++seen == WINDOW) {
            previous = current;
            current = 0;
            seen = 0;
        }
        return prefetchFor(largestRecent());
    }

    synchronized long largestRecent() {
        return Math.max(current, previous);
    }

    int prefetchFor(long size) {
        long fits = budget / Math.max(MIN_SIZE, size);
        return (int) Math.max(1, Math.min(maxPrefetch, fits));
    }
}

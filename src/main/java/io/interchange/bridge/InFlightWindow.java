package io.interchange.bridge;

import java.util.concurrent.TimeUnit;

/**
 * What a source has handed to its route and not yet settled, bounded in messages and in bytes: the one
 * window every source pauses on when it is full, resumes on when it is half empty, and drains on stop.
 * A message larger than the byte bound still goes, alone (the window is then "full" until it settles).
 */
public final class InFlightWindow {

    private final int maxMessages;
    private final long maxBytes;
    private int messages;
    private long bytes;

    public InFlightWindow(int maxMessages, long maxBytes) {
        this.maxMessages = Math.max(1, maxMessages);
        this.maxBytes = Math.max(1, maxBytes);
    }

    public synchronized void add(int count, long size) {
        messages += count;
        bytes += size;
    }

    public synchronized void remove(int count, long size) {
        boolean wasFull = isFull();
        messages -= count;
        bytes -= size;
        if (wasFull || messages == 0 || isBelowHalf()) {
            notifyAll();
        }
    }

    public synchronized int messages() {
        return messages;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized boolean isFull() {
        return messages >= maxMessages || bytes >= maxBytes;
    }

    /** Room for {@code count} more messages, as far as the message bound goes (what the source may fetch). */
    public synchronized int room() {
        return Math.max(0, maxMessages - messages);
    }

    public synchronized boolean isBelowHalf() {
        return messages <= maxMessages / 2 && bytes <= maxBytes / 2;
    }

    /** Waits until the window is no longer full, or the time is up; true if there is room. */
    public synchronized boolean awaitRoom(long timeoutMillis) throws InterruptedException {
        return await(timeoutMillis, () -> !isFull());
    }

    /** Waits until the window is half empty (where a paused source resumes), or the time is up. */
    public synchronized boolean awaitBelowHalf(long timeoutMillis) throws InterruptedException {
        return await(timeoutMillis, this::isBelowHalf);
    }

    /** Waits until everything in flight settled (a stop's drain), or the time is up; true when empty. */
    public synchronized boolean awaitEmpty(long timeoutMillis) throws InterruptedException {
        return await(timeoutMillis, () -> messages <= 0);
    }

    /** Wakes every waiter, e.g. a source stopping. */
    public synchronized void wakeAll() {
        notifyAll();
    }

    private boolean await(long timeoutMillis, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long left;
        while (!done.getAsBoolean() && (left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return done.getAsBoolean();
    }
}

package io.interchange.chaos;

/**
 * Sends a run's records to its source on a thread of its own, in batches, at a steady rate (or as fast as the
 * broker takes them). It pauses between batches while the source broker is restarted: the producer is not under
 * test, and one that republished what an outage left unconfirmed would make duplicates of its own.
 */
final class Producer implements Runnable {

    private final Source source;
    private final int count;
    private final int perSecond;
    private final int batch;
    private final Thread thread;
    private boolean pauseRequested;
    private boolean paused;
    private volatile int sent;
    private volatile boolean done;
    private volatile Exception failure;

    /** {@code perSecond}: records per second, 0 for as fast as the broker takes them. */
    Producer(Source source, int count, int perSecond, int batch) {
        this.source = source;
        this.count = count;
        this.perSecond = perSecond;
        // At a steady rate, ten batches a second at least: a batch is sent at once, and a pause for a broker
        // restart must find most of the records still unsent.
        this.batch = perSecond > 0 ? Math.max(1, Math.min(batch, perSecond / 10)) : batch;
        this.thread = new Thread(this, "chaos-producer");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        long started = System.nanoTime();
        try {
            for (int from = 0; from < count; from += batch) {
                // The rate goes on after a pause: no burst of what would have been sent meanwhile.
                started += awaitResume();
                if (perSecond > 0) {
                    long due = started + (long) from * 1_000_000_000L / perSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the producer
                    }
                }
                int to = Math.min(count, from + batch);
                source.send(from, to);
                sent = to;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure = e;
        } finally {
            done = true;
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Waits while paused; returns how long, in nanoseconds. */
    private synchronized long awaitResume() throws InterruptedException {
        long begin = System.nanoTime();
        while (pauseRequested) {
            paused = true;
            notifyAll();
            wait();
        }
        paused = false;
        return System.nanoTime() - begin;
    }

    /** Returns once no batch is in progress and none will start until {@link #resume()}. */
    synchronized void pause() throws InterruptedException {
        pauseRequested = true;
        while (!paused && !done) {
            wait(1_000);
        }
    }

    synchronized void resume() {
        pauseRequested = false;
        notifyAll();
    }

    int sent() {
        return sent;
    }

    boolean done() {
        return done;
    }

    Exception failure() {
        return failure;
    }

    void stop() {
        thread.interrupt();
    }
}

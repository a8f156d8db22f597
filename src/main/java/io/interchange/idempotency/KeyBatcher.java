package io.interchange.idempotency;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.ExchangeHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The engine of {@code interchange-idempotent}: one thread that takes every key waiting to be reserved,
 * confirmed or released and does each kind in one store round trip, then hands the waiting exchanges
 * to one thread per route, which continues them in the order they arrived. It waits a little for more keys (batch-linger) and gathers confirmations for 20 ms: at a low rate a batch is a few keys (one
 * round trip of latency); under load the keys that arrive during a round trip form the next batch, so the
 * store sees a few statements per second instead of two per event.
 *
 * <p>A key is reserved before its exchange goes on, so a duplicate on any replica sees it (the same
 * contract as {@link SharedIdempotentRepository#add}); it is confirmed when the exchange completed, and
 * released when it failed or was dead-lettered, so the redelivery or a replay is processed. Confirmations
 * are written after the exchange completed, like Camel's idempotent consumer: if the gateway dies in the
 * few milliseconds between, the key stays reserved until its lease ends.
 */
final class KeyBatcher {

    private static final Logger LOG = LoggerFactory.getLogger(KeyBatcher.class);

    /** Most keys of one kind per statement. */
    static final int MAX_BATCH = 1000;
    /** Exchange property: the batcher has handed the exchange back to its route (its callback is due or done). */
    private static final String CONTINUED = "interchange-idempotency-continued";
    /** How long confirmations gather before they are written (fewer, larger statements). */
    static final long CONFIRM_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private record Reserve(String key, Exchange exchange, AsyncCallback callback, long since) {
    }

    private record Outcome(String key, boolean processed) {
    }

    private final SharedIdempotentRepository repository;
    private final IdempotencyKeyStore store;
    private final BlockingQueue<Object> work = new LinkedBlockingQueue<>();
    private final DistributionSummary batchSizes;
    private final long lingerNanos;
    private final Thread thread;
    private final Map<String, ExecutorService> continuations = new ConcurrentHashMap<>();
    private final ExecutorService confirmer = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "interchange-idempotency-confirm");
        t.setDaemon(true);
        return t;
    });
    /** Keys this gateway reserved whose exchange has not ended yet (batcher thread only). */
    private final Map<String, String> processing = new HashMap<>();
    private long nextWaitCheck;
    /**
     * Deliveries of an event this gateway is processing right now (a producer's retry, usually next to the
     * original in the same partition): they wait for its outcome here instead of failing for a redelivery
     * (batcher thread only).
     */
    private final Map<String, List<Reserve>> waitingForOutcome = new HashMap<>();
    private volatile boolean running = true;

    KeyBatcher(SharedIdempotentRepository repository, MeterRegistry meters) {
        this.repository = repository;
        this.store = repository.store();
        this.lingerNanos = repository.properties().batchLinger().toNanos();
        this.batchSizes = DistributionSummary.builder("interchange.idempotency.batch.size")
                .tag("store", store.name())
                .description("Keys reserved in one store round trip by interchange-idempotent").register(meters);
        this.thread = new Thread(this::loop, "interchange-idempotency");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Reserves {@code key}, then continues the exchange on this batcher's thread (or fails it, or stops it as a duplicate). */
    void reserve(String key, Exchange exchange, AsyncCallback callback) {
        if (!running) {
            exchange.setException(new IdempotencyStoreException("reserve",
                    new IllegalStateException("the gateway is stopping")));
            callback.done(false);
            return;
        }
        work.add(new Reserve(key, exchange, callback, System.nanoTime()));
    }

    /** True (and the exchange marked a duplicate) when the cache knows the key was processed: no thread hop. */
    boolean dropIfConfirmed(String key, Exchange exchange) {
        if (!repository.cache().isConfirmed(key)) {
            return false;
        }
        duplicate(exchange, true);
        return true;
    }

    private void outcome(String key, boolean processed) {
        work.add(new Outcome(key, processed));
    }

    /** Finishes what is queued (confirmations included), then stops the threads. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(30));
        confirmer.shutdown();
        if (!confirmer.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("Idempotency confirmations still being written after 30 s; their keys count as in progress"
                    + " until the lease of {} ends", repository.properties().lease());
        }
        for (ExecutorService executor : continuations.values()) {
            executor.shutdown();
        }
    }

    /**
     * Confirmations go to the store on a thread and connection of their own, so a reservation never waits behind
     * a confirmation's round trip: on a busy database both took 20-70 ms, and reservations queued behind
     * confirmations were what the dedupe bridge's latency was made of. In order, one batch after the other.
     * Nothing depends on a confirmation being written before the next reservation: until it is, a delivery of
     * the same key elsewhere meets it in progress (and is delivered again later), as during the 20 ms they gather.
     */
    private void confirm(List<String> keys) {
        try {
            confirmer.execute(() -> write("confirm", keys));
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            write("confirm", keys);
        }
    }

    private void loop() {
        List<Object> batch = new ArrayList<>();
        List<String> confirms = new ArrayList<>();
        long confirmsDue = Long.MAX_VALUE;
        while (running || !work.isEmpty() || !confirms.isEmpty()) {
            try {
                long wait = confirms.isEmpty() ? TimeUnit.MILLISECONDS.toNanos(100)
                        : Math.max(0, confirmsDue - System.nanoTime());
                Object first = running ? work.poll(wait, TimeUnit.NANOSECONDS) : work.poll();
                if (first != null) {
                    batch.add(first);
                    work.drainTo(batch, MAX_BATCH - 1);
                    if (first instanceof Reserve) {
                        linger(batch);
                    }
                }
                List<String> releases = new ArrayList<>();
                List<Reserve> reserves = new ArrayList<>();
                List<Reserve> duplicates = new ArrayList<>();
                for (Object item : batch) {
                    if (item instanceof Reserve reserve) {
                        reserves.add(reserve);
                        continue;
                    }
                    Outcome outcome = (Outcome) item;
                    processing.remove(outcome.key());
                    List<Reserve> waiting = waitingForOutcome.remove(outcome.key());
                    if (outcome.processed()) {
                        if (confirms.isEmpty()) {
                            confirmsDue = System.nanoTime() + CONFIRM_DELAY_NANOS;
                        }
                        confirms.add(outcome.key());
                        if (waiting != null) {
                            duplicates.addAll(waiting);
                        }
                    } else {
                        releases.add(outcome.key());
                        if (waiting != null) {
                            // The original failed: the first of them processes the event.
                            reserves.addAll(0, waiting);
                        }
                    }
                }
                if (!duplicates.isEmpty()) {
                    duplicates.forEach(d -> duplicate(d.exchange(), false));
                    continueInOrder(duplicates);
                }
                expireWaiters();
                // Releases before reservations: a redelivery reserving a key its failed attempt released
                // finds it free. Confirmations wait a little to make larger statements: a duplicate meeting
                // a key not confirmed yet is in progress (delivered again later), and the cache, filled
                // when the exchange completed, drops those on this replica at once.
                if (!releases.isEmpty()) {
                    write("release", releases);
                }
                if (!reserves.isEmpty()) {
                    reserveAll(reserves);
                }
                if (!confirms.isEmpty() && (confirms.size() >= MAX_BATCH || System.nanoTime() - confirmsDue >= 0
                        || !running)) {
                    confirm(List.copyOf(confirms));
                    confirms.clear();
                    confirmsDue = Long.MAX_VALUE;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable e) {
                // Never leave an exchange without its callback: fail what this pass had not continued yet.
                LOG.error("Idempotency batch failed unexpectedly", e);
                List<Reserve> stranded = new ArrayList<>();
                for (Object item : batch) {
                    if (item instanceof Reserve reserve && reserve.exchange().getProperty(CONTINUED) == null
                            && !isWaiting(reserve)) {
                        stranded.add(reserve);
                    }
                }
                stranded.forEach(r -> r.exchange().setException(new IdempotencyStoreException("reserve",
                        e instanceof Exception ex ? ex : new IllegalStateException(e))));
                continueInOrder(stranded);
            } finally {
                batch.clear();
            }
        }
        // Reservations queued while stopping are failed (their sources deliver them again).
        List<Object> late = new ArrayList<>();
        work.drainTo(late);
        for (Object item : late) {
            if (item instanceof Reserve reserve) {
                reserve.exchange().setException(new KeyInProgressException(reserve.key()));
                waitingForOutcome.computeIfAbsent(reserve.key(), k -> new ArrayList<>()).add(reserve);
            }
        }
        // Stopped: deliveries still waiting for an outcome are failed, so their source delivers them again.
        List<Reserve> left = new ArrayList<>();
        waitingForOutcome.values().forEach(left::addAll);
        waitingForOutcome.clear();
        left.forEach(r -> r.exchange().setException(new KeyInProgressException(r.key())));
        continueInOrder(left);
    }

    /**
     * Waits up to the linger for more reservations: a source hands a poll's records to the route one
     * after the other, and one statement for all of them costs the store far less than one per few.
     */
    private void linger(List<Object> batch) throws InterruptedException {
        long deadline = System.nanoTime() + lingerNanos;
        while (batch.size() < MAX_BATCH && running) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Object next = work.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            batch.add(next);
            work.drainTo(batch, MAX_BATCH - batch.size());
        }
    }

    private void write(String operation, List<String> keys) {
        long start = System.nanoTime();
        try {
            if ("confirm".equals(operation)) {
                store.confirmAll(keys);
                repository.countStored(keys.size());
            } else {
                keys.forEach(repository.cache()::forget);
                store.releaseAll(keys);
            }
        } catch (RuntimeException e) {
            // The exchanges are complete; their keys stay reserved until the lease ends.
            LOG.warn("Could not {} {} idempotency keys (they count as in progress until the lease of {} ends): {}",
                    operation, keys.size(), repository.properties().lease(), e.getMessage());
        } finally {
            repository.latency(operation).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private boolean isWaiting(Reserve reserve) {
        List<Reserve> waiting = waitingForOutcome.get(reserve.key());
        return waiting != null && waiting.contains(reserve);
    }

    /**
     * A delivery waits for the original at most the lease (as a duplicate on another replica would); then,
     * or at once if it is the very exchange that holds the key (the same step passed twice), it fails for a
     * later retry.
     */
    private void expireWaiters() {
        long now = System.nanoTime();
        if (now - nextWaitCheck < 0 || waitingForOutcome.isEmpty()) {
            return;
        }
        nextWaitCheck = now + TimeUnit.SECONDS.toNanos(1);
        long lease = repository.properties().lease().toNanos();
        List<Reserve> expired = new ArrayList<>();
        waitingForOutcome.values().forEach(waiting -> waiting.removeIf(r -> {
            boolean over = now - r.since() > lease;
            if (over) {
                expired.add(r);
            }
            return over;
        }));
        waitingForOutcome.values().removeIf(List::isEmpty);
        expired.forEach(r -> {
            repository.countInProgress();
            r.exchange().setException(new KeyInProgressException(r.key()));
        });
        continueInOrder(expired);
    }

    private void reserveAll(List<Reserve> all) {
        // A delivery of an event this gateway is processing waits for that outcome (see waitingForOutcome).
        List<Reserve> reserves = new ArrayList<>(all.size());
        List<Reserve> reentered = new ArrayList<>();
        for (Reserve reserve : all) {
            String holder = processing.get(reserve.key());
            if (holder == null) {
                reserves.add(reserve);
            } else if (holder.equals(reserve.exchange().getExchangeId())) {
                reserve.exchange().setException(new KeyInProgressException(reserve.key()));
                reentered.add(reserve);
            } else {
                waitingForOutcome.computeIfAbsent(reserve.key(), k -> new ArrayList<>()).add(reserve);
            }
        }
        continueInOrder(reentered);
        // One reservation per distinct key; a second delivery of it in the same batch waits for the first.
        Map<String, IdempotencyKeyStore.Reservation> results = new LinkedHashMap<>();
        Set<String> toStore = new LinkedHashSet<>();
        for (Reserve reserve : reserves) {
            if (!results.containsKey(reserve.key()) && !toStore.contains(reserve.key())) {
                if (repository.cache().isConfirmed(reserve.key())) {
                    results.put(reserve.key(), IdempotencyKeyStore.Reservation.CONFIRMED);
                } else {
                    toStore.add(reserve.key());
                }
            }
        }
        RuntimeException failure = null;
        Map<String, IdempotencyKeyStore.Reservation> stored = Map.of();
        if (!toStore.isEmpty()) {
            batchSizes.record(toStore.size());
            Timer latency = repository.latency("reserve");
            long start = System.nanoTime();
            try {
                stored = store.reserveAll(toStore, repository.properties().lease(), repository.properties().retention());
            } catch (RuntimeException e) {
                failure = e instanceof IdempotencyStoreException ? e : new IdempotencyStoreException("reserve", e);
            } finally {
                latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }
        List<Reserve> goOn = new ArrayList<>(reserves.size());
        for (Reserve reserve : reserves) {
            String key = reserve.key();
            Exchange exchange = reserve.exchange();
            IdempotencyKeyStore.Reservation cached = results.get(key);
            if (cached == IdempotencyKeyStore.Reservation.CONFIRMED) {
                duplicate(exchange, true);
            } else if (failure != null) {
                exchange.setException(failure);
            } else if (processing.containsKey(key)) {
                // reserved by an earlier delivery in this batch
                waitingForOutcome.computeIfAbsent(key, k -> new ArrayList<>()).add(reserve);
                continue;
            } else {
                IdempotencyKeyStore.Reservation reservation = stored.getOrDefault(key, IdempotencyKeyStore.Reservation.IN_PROGRESS);
                if (reservation == IdempotencyKeyStore.Reservation.RESERVED) {
                    processing.put(key, exchange.getExchangeId());
                    exchange.getExchangeExtension().addOnCompletion(new Completion(key));
                } else if (reservation == IdempotencyKeyStore.Reservation.CONFIRMED) {
                    repository.cache().confirmed(key);
                    duplicate(exchange, false);
                } else {
                    // held by another replica (or by an exchange of this one that ended before the restart)
                    repository.countInProgress();
                    exchange.setException(new KeyInProgressException(key));
                }
            }
            goOn.add(reserve);
        }
        continueInOrder(goOn);
    }

    /**
     * Each route goes on on its own thread, in arrival order: a slow step in one route delays neither the
     * store round trips nor the other routes.
     */
    private void continueInOrder(List<Reserve> reserves) {
        Map<String, List<Runnable>> byRoute = new LinkedHashMap<>();
        for (Reserve reserve : reserves) {
            reserve.exchange().setProperty(CONTINUED, Boolean.TRUE);
            String route = reserve.exchange().getFromRouteId() == null ? "" : reserve.exchange().getFromRouteId();
            byRoute.computeIfAbsent(route, r -> new ArrayList<>()).add(() -> reserve.callback().done(false));
        }
        byRoute.forEach((route, continuations) -> {
            Runnable all = () -> {
                for (Runnable continuation : continuations) {
                    try {
                        continuation.run();
                    } catch (RuntimeException | Error e) {
                        LOG.error("Continuing an exchange of route '{}' after its idempotency check failed", route, e);
                    }
                }
            };
            try {
                continuation(route).execute(all);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                all.run(); // stopping: go on here rather than leave the exchanges without their callback
            }
        });
    }

    private ExecutorService continuation(String route) {
        return continuations.computeIfAbsent(route, r -> Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "interchange-idempotency-" + (r.isEmpty() ? "route" : r));
            t.setDaemon(true);
            return t;
        }));
    }

    private void duplicate(Exchange exchange, boolean cacheHit) {
        repository.countDuplicate(cacheHit);
        exchange.setProperty(IdempotentEndpoint.DUPLICATE_PROPERTY, true);
        exchange.setRouteStop(true);
    }

    /** Confirms the key when its exchange completed, releases it when the exchange failed or was dead-lettered. */
    private final class Completion implements Synchronization {

        private final String key;

        Completion(String key) {
            this.key = key;
        }

        @Override
        public void onComplete(Exchange exchange) {
            boolean processed = !ExchangeHelper.isFailureHandled(exchange);
            if (processed) {
                // The sinks confirmed: a duplicate on this replica is dropped from now on, store write or not.
                repository.cache().confirmed(key);
            }
            outcome(key, processed);
        }

        @Override
        public void onFailure(Exchange exchange) {
            outcome(key, false);
        }
    }
}

package io.interchange.saga;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The saga ledger in this process's memory ({@code interchange.saga.store=memory}: dev mode, tests, one replica): in-flight
 * sagas and the most recent finished ones, with their steps and timings, and which compensations and completions already
 * ran. Nothing survives a restart and no other replica sees it: after a restart the coordinator still drives the sagas
 * the gateway started (their callbacks recreate entries), and the participants are idempotent as well. Deployments with
 * more than one replica use {@link JdbcSagaLedger}.
 *
 * <p>Memory is bounded. Finished sagas beyond {@code history} go once they are older than twice the time limit.
 * Sagas known only from callbacks (started before a restart, or by another replica) go once there are more than
 * {@code unknownHistory} of them or they are older than twice the time limit, oldest first, except while one of
 * their callbacks runs: that one holds an HTTP thread, so those are bounded by the thread pool.
 */
public class MemorySagaLedger extends SagaLedger {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MemorySagaLedger.class);

    private final Map<String, Saga> sagas = new ConcurrentHashMap<>();
    /** Finished sagas in the order they finished, for eviction. */
    private final Queue<Saga> finished = new ConcurrentLinkedQueue<>();
    /** Size of {@code finished} (a ConcurrentLinkedQueue counts by walking it). */
    private final AtomicInteger finishedCount = new AtomicInteger();
    /** Sagas known only from callbacks, in the order of their first callback, for eviction. */
    private final Queue<Saga> unknown = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unknownCount = new AtomicInteger();
    private final int history;
    private final int unknownHistory;
    private final Clock clock;
    /**
     * A finished saga is kept at least this long (twice the saga time limit): the coordinator may still call
     * back for it (a late cancel at the time limit, a retried callback), and its record decides what runs.
     */
    private final Duration retention;

    public MemorySagaLedger(SagaProperties properties, MeterRegistry meters) {
        this(properties, meters, Clock.systemUTC());
    }

    MemorySagaLedger(SagaProperties properties, MeterRegistry meters, Clock clock) {
        super(properties, meters);
        this.history = properties.history();
        this.unknownHistory = properties.unknownHistory();
        this.retention = properties.timeout().multipliedBy(2);
        this.clock = clock;
        Gauge.builder("interchange.saga.ledger.unknown", unknownCount, AtomicInteger::get)
                .description("Sagas the ledger knows only from coordinator callbacks (started before a restart or"
                        + " by another replica)").register(meters);
    }

    @Override
    public void started(String sagaId, String orderId, String traceparent) {
        sagas.put(sagaId, new Saga(sagaId, orderId, traceparent, clock.instant(), false));
        countStarted();
        evict();
        evictUnknown();
    }

    @Override
    public boolean stepStarted(String sagaId, String step, String participant, String action) {
        return saga(sagaId).stepStarted(step, participant, action, clock.instant());
    }

    @Override
    public List<String> beginCompensation(String sagaId) {
        while (true) {
            Saga saga = callbackSaga(sagaId);
            synchronized (saga) {
                if (saga.evicted) {
                    continue; // evicted between lookup and lock: take (or make) the current entry
                }
                if (saga.status == Status.ACTIVE) {
                    // The coordinator compensates a saga this gateway did not cancel: it timed out.
                    saga.status = Status.COMPENSATING;
                    saga.reason = "timed out";
                }
                return saga.startedSteps();
            }
        }
    }

    @Override
    public List<String> startedSteps(String sagaId) {
        Saga saga = sagas.get(sagaId);
        if (saga == null) {
            return List.of();
        }
        synchronized (saga) {
            return saga.startedSteps();
        }
    }

    @Override
    public void stepEnded(String sagaId, String step, String error) {
        saga(sagaId).stepEnded(step, error, clock.instant());
    }

    /** The order id the saga was started with, or null for a saga this gateway did not start. */
    @Override
    public String orderId(String sagaId) {
        Saga saga = sagas.get(sagaId);
        return saga == null ? null : saga.orderId;
    }

    @Override
    public String traceparent(String sagaId) {
        Saga saga = sagas.get(sagaId);
        return saga == null ? null : saga.traceparent;
    }

    /** The saga closed: the coordinator now calls the completions. */
    @Override
    public void closed(String sagaId) {
        Saga saga = sagas.get(sagaId);
        if (saga != null && saga.finish(Status.COMPLETED, clock.instant())) {
            finished.add(saga);
            finishedCount.incrementAndGet();
            countCompleted(Duration.between(saga.started, saga.ended));
        }
    }

    /** A step failed and the saga was cancelled: the coordinator now calls the compensations. */
    @Override
    public void cancelled(String sagaId, String reason) {
        Saga saga = sagas.get(sagaId);
        if (saga == null) {
            return;
        }
        countFailed();
        synchronized (saga) {
            saga.reason = reason;
            if (saga.status == Status.ACTIVE) {
                saga.status = Status.COMPENSATING;
            }
        }
        settleCompensation(saga);
    }

    /**
     * Claims the compensation or completion of a step; false if it already ran, so a repeated callback does
     * nothing, or if the step's other outcome ran (refused). Throws while this callback or the other outcome is
     * still running, so the coordinator calls again once that is decided: answering a repeated callback as done
     * while the first one may still fail would make the coordinator forget a step that was never undone.
     */
    @Override
    public boolean claim(String sagaId, String step, String kind) {
        while (true) {
            Saga saga = callbackSaga(sagaId);
            synchronized (saga) {
                if (saga.evicted) {
                    continue; // evicted between lookup and lock: take (or make) the current entry
                }
                return claim(saga, step, kind);
            }
        }
    }

    /** Called with the saga's lock held. */
    private boolean claim(Saga saga, String step, String kind) {
        String sagaId = saga.id;
        Step existing = saga.steps.get(step);
        CallbackState other = existing == null ? null
                : kind.equals("compensation") ? existing.completion : existing.compensation;
        if (other == CallbackState.RUNNING) {
            // Its outcome decides: fail this callback, so the coordinator calls it again later.
            throw new IllegalStateException("The " + (kind.equals("compensation") ? "completion" : "compensation")
                    + " of step " + step + " in saga " + sagaId + " is still running; call again later");
        }
        if (other == CallbackState.DONE || other == CallbackState.NOTHING_TO_DO) {
            // A step is completed or compensated, never both (as in the LRA spec): e.g. the coordinator
            // gave up on a slow completion callback and later cancels the saga at its time limit.
            countRefused();
            LOG.warn("Refused the {} of step {} in saga {}: its {} already ran", kind, step, sagaId,
                    kind.equals("compensation") ? "completion" : "compensation");
            return false;
        }
        if (kind.equals("compensation") && saga.status == Status.ACTIVE) {
            // The coordinator compensates a saga this gateway did not cancel: it timed out.
            saga.status = Status.COMPENSATING;
            saga.reason = "timed out";
        }
        Step s = saga.steps.computeIfAbsent(step, k -> new Step(step, null, null));
        CallbackState current = kind.equals("compensation") ? s.compensation : s.completion;
        if (current == CallbackState.RUNNING) {
            throw new IllegalStateException("The " + kind + " of step " + step + " in saga " + sagaId
                    + " is already running; call again later");
        }
        if (current == CallbackState.DONE || current == CallbackState.NOTHING_TO_DO) {
            return false;
        }
        if (kind.equals("compensation")) {
            s.compensation = CallbackState.RUNNING;
            s.compensationStarted = clock.instant();
            s.compensationEnded = null;
            s.compensationAttempts++;
        } else {
            s.completion = CallbackState.RUNNING;
            s.completionStarted = clock.instant();
            s.completionEnded = null;
            s.completionAttempts++;
        }
        return true;
    }

    @Override
    protected void recordCallbackEnd(String sagaId, String step, String kind, CallbackState state) {
        Saga saga = sagas.get(sagaId);
        if (saga == null) {
            return; // not claimed through this ledger (an entry is never evicted while its callback runs)
        }
        synchronized (saga) {
            Step s = saga.steps.get(step);
            if (s == null) {
                return;
            }
            if (kind.equals("compensation")) {
                s.compensation = state;
                s.compensationEnded = clock.instant();
                if (state == CallbackState.FAILED) {
                    saga.status = Status.FAILED;
                } else if (saga.status == Status.FAILED) {
                    saga.status = Status.COMPENSATING;
                }
            } else {
                s.completion = state;
                s.completionEnded = clock.instant();
            }
        }
        if (kind.equals("compensation")) {
            settleCompensation(saga);
        }
    }

    @Override
    public List<Map<String, Object>> list(Query query) {
        List<Saga> all = new ArrayList<>();
        for (Saga saga : sagas.values()) {
            if (query.matches(saga.status(), saga.orderId, saga.started)) {
                all.add(saga);
            }
        }
        all.sort(Comparator.comparing((Saga s) -> s.started).reversed());
        List<Map<String, Object>> views = new ArrayList<>();
        for (Saga saga : all.subList(0, Math.min(all.size(), query.limit()))) {
            views.add(saga.view());
        }
        return views;
    }

    @Override
    public Map<String, Object> get(String sagaIdOrUid) {
        Saga saga = sagas.get(sagaIdOrUid);
        if (saga == null) {
            for (Saga candidate : sagas.values()) {
                if (uid(candidate.id).equals(sagaIdOrUid)) {
                    saga = candidate;
                    break;
                }
            }
        }
        return saga == null ? null : saga.view();
    }

    private void settleCompensation(Saga saga) {
        boolean settled;
        synchronized (saga) {
            settled = saga.status == Status.COMPENSATING && !saga.steps.isEmpty()
                    && saga.steps.values().stream().allMatch(s -> s.compensation == CallbackState.DONE
                            || s.compensation == CallbackState.NOTHING_TO_DO)
                    && saga.finish(Status.COMPENSATED, clock.instant());
        }
        if (settled) {
            if (!saga.unknown) {
                // A saga known only from callbacks stays in the unknown queue, which bounds it.
                finished.add(saga);
                finishedCount.incrementAndGet();
            }
            countCompensated(Duration.between(saga.started, saga.ended));
        }
    }

    int size() {
        return sagas.size();
    }

    int unknownSize() {
        return unknownCount.get();
    }

    private Saga saga(String sagaId) {
        return sagas.computeIfAbsent(sagaId, id -> new Saga(id, null, null, clock.instant(), false));
    }

    /** The saga a coordinator callback is for; one this ledger does not know is recorded as unknown (bounded). */
    private Saga callbackSaga(String sagaId) {
        Saga saga = sagas.get(sagaId);
        if (saga != null) {
            return saga;
        }
        Saga fresh = new Saga(sagaId, null, null, clock.instant(), true);
        saga = sagas.putIfAbsent(sagaId, fresh);
        if (saga != null) {
            return saga;
        }
        unknown.add(fresh);
        unknownCount.incrementAndGet();
        evictUnknown();
        return fresh;
    }

    /**
     * Drops sagas known only from callbacks, oldest first, while there are more than {@code unknownHistory} or the
     * oldest is older than {@code retention}; one with a callback running goes to the back of the queue instead.
     */
    private void evictUnknown() {
        Instant keepFrom = clock.instant().minus(retention);
        // Each entry is looked at most once per call, so entries with running callbacks cannot make this loop.
        for (int budget = unknownCount.get(); budget > 0; budget--) {
            Saga oldest = unknown.peek();
            if (oldest == null || unknownCount.get() <= unknownHistory && !oldest.started.isBefore(keepFrom)) {
                return;
            }
            if (!unknown.remove(oldest)) {
                continue; // another thread took it
            }
            synchronized (oldest) {
                if (oldest.callbackRunning()) {
                    unknown.add(oldest);
                    continue;
                }
                oldest.evicted = true;
            }
            unknownCount.decrementAndGet();
            sagas.remove(oldest.id, oldest);
        }
    }

    /** Drops the oldest finished sagas beyond {@code history}, but none finished less than {@code retention} ago. */
    private void evict() {
        Instant keepFrom = clock.instant().minus(retention);
        while (finishedCount.get() > history) {
            Saga oldest = finished.peek();
            if (oldest == null || oldest.ended.isAfter(keepFrom) || !finished.remove(oldest)) {
                return;
            }
            finishedCount.decrementAndGet();
            synchronized (oldest) {
                oldest.evicted = true;
            }
            sagas.remove(oldest.id, oldest);
        }
    }

    private static final class Saga {
        final String id;
        final String orderId;
        final String traceparent;
        /** When it started here, or for an unknown saga when its first callback arrived. */
        final Instant started;
        /** Known only from coordinator callbacks: this gateway did not start it (or no longer remembers it). */
        final boolean unknown;
        final Map<String, Step> steps = new LinkedHashMap<>();
        Status status = Status.ACTIVE;
        Instant ended;
        String reason;
        /** Removed from the ledger; a callback that still holds it must look it up again. */
        boolean evicted;

        Saga(String id, String orderId, String traceparent, Instant started, boolean unknown) {
            this.id = id;
            this.orderId = orderId;
            this.traceparent = traceparent;
            this.started = started;
            this.unknown = unknown;
        }

        synchronized boolean stepStarted(String step, String participant, String action, Instant now) {
            if (status != Status.ACTIVE) {
                return false;
            }
            Step s = steps.computeIfAbsent(step, k -> new Step(step, participant, action));
            s.participant = participant;
            s.action = action;
            s.started = now;
            return true;
        }

        /** Called with the saga's lock held. */
        List<String> startedSteps() {
            List<String> started = new ArrayList<>();
            for (Step s : steps.values()) {
                if (s.started != null) {
                    started.add(s.name);
                }
            }
            return started;
        }

        synchronized void stepEnded(String step, String error, Instant now) {
            Step s = steps.get(step);
            s.ended = now;
            s.error = error;
        }

        synchronized boolean finish(Status status, Instant now) {
            if (ended != null) {
                return false;
            }
            this.status = status;
            this.ended = now;
            return true;
        }

        /** Called with the saga's lock held. */
        boolean callbackRunning() {
            for (Step s : steps.values()) {
                if (s.compensation == CallbackState.RUNNING || s.completion == CallbackState.RUNNING) {
                    return true;
                }
            }
            return false;
        }

        synchronized Status status() {
            return status;
        }

        synchronized Map<String, Object> view() {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("id", id);
            view.put("uid", uid(id));
            view.put("known", !unknown);
            view.put("orderId", orderId);
            view.put("status", status.name().toLowerCase());
            view.put("started", started.toString());
            view.put("ended", ended == null ? null : ended.toString());
            view.put("durationMillis", Duration.between(started, ended == null ? Instant.now() : ended).toMillis());
            view.put("reason", reason);
            List<Map<String, Object>> stepViews = new ArrayList<>();
            for (Step s : steps.values()) {
                Map<String, Object> sv = new LinkedHashMap<>();
                sv.put("step", s.name);
                sv.put("participant", s.participant);
                sv.put("action", s.action);
                sv.put("status", s.started == null ? "unknown" : s.ended == null ? "running"
                        : s.error == null ? "done" : "failed");
                sv.put("durationMillis", s.started == null || s.ended == null ? null
                        : Duration.between(s.started, s.ended).toMillis());
                sv.put("error", s.error);
                sv.put("compensation", s.compensation == null ? null : s.compensation.name().toLowerCase());
                sv.put("completion", s.completion == null ? null : s.completion.name().toLowerCase());
                callbackTimes(sv, "compensation", s.compensationStarted, s.compensationEnded, s.compensationAttempts);
                callbackTimes(sv, "completion", s.completionStarted, s.completionEnded, s.completionAttempts);
                stepViews.add(sv);
            }
            view.put("steps", stepViews);
            return view;
        }
    }

    /** When a step's callback last started and ended, and how often it was claimed (every retry counts). */
    static void callbackTimes(Map<String, Object> view, String kind, Instant started, Instant ended, int attempts) {
        view.put(kind + "Started", started == null ? null : started.toString());
        view.put(kind + "Ended", ended == null ? null : ended.toString());
        view.put(kind + "Attempts", attempts);
    }

    private static final class Step {
        final String name;
        String participant;
        String action;
        Instant started;
        Instant ended;
        String error;
        CallbackState compensation;
        CallbackState completion;
        Instant compensationStarted;
        Instant compensationEnded;
        int compensationAttempts;
        Instant completionStarted;
        Instant completionEnded;
        int completionAttempts;

        Step(String name, String participant, String action) {
            this.name = name;
            this.participant = participant;
            this.action = action;
        }
    }
}

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

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * What this gateway knows about its sagas: in-flight ones and the most recent finished ones, with their
 * steps and timings, for the {@code sagas} management endpoint and the {@code interchange_saga_*} metrics.
 * It also remembers which compensations and completions already ran, so that a callback the coordinator
 * repeats has no effect. It lives in memory: after a restart the coordinator still drives the sagas the
 * gateway started (their callbacks recreate entries), and the participants are idempotent as well.
 *
 * <p>Memory is bounded. Finished sagas beyond {@code history} go once they are older than twice the time limit.
 * Sagas known only from callbacks (started before a restart, or by another replica) go once there are more than
 * {@code unknownHistory} of them or they are older than twice the time limit, oldest first, except while one of
 * their callbacks runs: that one holds an HTTP thread, so those are bounded by the thread pool.
 */
@Component
public class SagaLedger {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SagaLedger.class);

    public enum Status { ACTIVE, COMPLETED, COMPENSATING, COMPENSATED, FAILED }

    /** What a compensation or completion callback of a step did. */
    public enum CallbackState { RUNNING, DONE, NOTHING_TO_DO, FAILED }

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
    private final Counter lateCallbacks;
    private final Counter started;
    private final Counter completed;
    private final Counter compensated;
    private final Counter failed;
    private final Counter unmatchedReplies;
    /** Failed compensation and completion callbacks, by kind and participant ({@code kind|participant}). */
    private final Map<String, Counter> failedCallbacks = new ConcurrentHashMap<>();
    private final MeterRegistry meters;

    @Autowired
    public SagaLedger(SagaProperties properties, MeterRegistry meters) {
        this(properties, meters, Clock.systemUTC());
    }

    SagaLedger(SagaProperties properties, MeterRegistry meters, Clock clock) {
        this.history = properties.history();
        this.unknownHistory = properties.unknownHistory();
        this.retention = properties.timeout().multipliedBy(2);
        this.clock = clock;
        this.meters = meters;
        this.lateCallbacks = Counter.builder("interchange.saga.callbacks.refused")
                .description("Coordinator callbacks refused because the step's other outcome already ran: a"
                        + " compensation after its completion, or a completion after its compensation").register(meters);
        this.started = Counter.builder("interchange.saga.started").description("Sagas started").register(meters);
        this.completed = Counter.builder("interchange.saga.completed")
                .description("Sagas closed: every step succeeded").register(meters);
        this.compensated = Counter.builder("interchange.saga.compensated")
                .description("Sagas whose steps were all compensated").register(meters);
        this.failed = Counter.builder("interchange.saga.failed")
                .description("Sagas in which a step failed (they are then compensated)").register(meters);
        this.unmatchedReplies = Counter.builder("interchange.saga.replies.unmatched")
                .description("Participant replies no step waited for: duplicates, late or foreign replies").register(meters);
        Gauge.builder("interchange.saga.ledger.unknown", unknownCount, AtomicInteger::get)
                .description("Sagas the ledger knows only from coordinator callbacks (started before a restart or"
                        + " by another replica)").register(meters);
        // At 0 from the start for every configured participant: a counter that appears with its first failure
        // at 1 shows no increase() to an alert rule.
        for (String participant : properties.participants().keySet()) {
            failedCallbacks(participant, "compensation");
            failedCallbacks(participant, "completion");
        }
    }

    public void started(String sagaId, String orderId) {
        sagas.put(sagaId, new Saga(sagaId, orderId, clock.instant(), false));
        started.increment();
        evict();
        evictUnknown();
    }

    public void stepStarted(String sagaId, String step, String participant, String action) {
        saga(sagaId).stepStarted(step, participant, action, clock.instant());
    }

    public void stepEnded(String sagaId, String step, String error) {
        saga(sagaId).stepEnded(step, error, clock.instant());
    }

    /** The order id the saga was started with, or null for a saga this gateway did not start. */
    public String orderId(String sagaId) {
        Saga saga = sagas.get(sagaId);
        return saga == null ? null : saga.orderId;
    }

    /** The saga closed: the coordinator now calls the completions. */
    public void closed(String sagaId) {
        Saga saga = sagas.get(sagaId);
        if (saga != null && saga.finish(Status.COMPLETED, clock.instant())) {
            finished.add(saga);
            finishedCount.incrementAndGet();
            completed.increment();
            record(saga, "completed");
        }
    }

    /** A step failed and the saga was cancelled: the coordinator now calls the compensations. */
    public void cancelled(String sagaId, String reason) {
        Saga saga = sagas.get(sagaId);
        if (saga == null) {
            return;
        }
        failed.increment();
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
            lateCallbacks.increment();
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
        } else {
            s.completion = CallbackState.RUNNING;
        }
        return true;
    }

    public void callbackEnded(String sagaId, String step, String kind, CallbackState state) {
        if (state == CallbackState.FAILED) {
            failedCallbacks(step, kind).increment();
        }
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
                if (state == CallbackState.FAILED) {
                    saga.status = Status.FAILED;
                } else if (saga.status == Status.FAILED) {
                    saga.status = Status.COMPENSATING;
                }
            } else {
                s.completion = state;
            }
        }
        if (kind.equals("compensation")) {
            settleCompensation(saga);
        }
    }

    private Counter failedCallbacks(String participant, String kind) {
        return failedCallbacks.computeIfAbsent(kind + "|" + participant, key -> Counter
                .builder("interchange.saga.callbacks.failed")
                .description("Compensation or completion callbacks the participant did not confirm (it answered"
                        + " failed, gave no reply in time, or the request was not published); the coordinator calls"
                        + " them again later")
                .tag("kind", kind).tag("participant", participant).register(meters));
    }

    public void unmatchedReply() {
        unmatchedReplies.increment();
    }

    /** Sagas newest first, as plain maps for the management endpoint. */
    public List<Map<String, Object>> list() {
        List<Saga> all = new ArrayList<>(sagas.values());
        all.sort(Comparator.comparing((Saga s) -> s.started).reversed());
        List<Map<String, Object>> views = new ArrayList<>();
        for (Saga saga : all) {
            views.add(saga.view());
        }
        return views;
    }

    public Map<String, Object> get(String sagaId) {
        Saga saga = sagas.get(sagaId);
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
            compensated.increment();
            record(saga, "compensated");
        }
    }

    private void record(Saga saga, String outcome) {
        Timer.builder("interchange.saga.duration").description("From saga start to its close or full compensation")
                .tag("outcome", outcome).register(meters).record(Duration.between(saga.started, saga.ended));
    }

    int size() {
        return sagas.size();
    }

    int unknownSize() {
        return unknownCount.get();
    }

    private Saga saga(String sagaId) {
        return sagas.computeIfAbsent(sagaId, id -> new Saga(id, null, clock.instant(), false));
    }

    /** The saga a coordinator callback is for; one this ledger does not know is recorded as unknown (bounded). */
    private Saga callbackSaga(String sagaId) {
        Saga saga = sagas.get(sagaId);
        if (saga != null) {
            return saga;
        }
        Saga fresh = new Saga(sagaId, null, clock.instant(), true);
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

        Saga(String id, String orderId, Instant started, boolean unknown) {
            this.id = id;
            this.orderId = orderId;
            this.started = started;
            this.unknown = unknown;
        }

        synchronized void stepStarted(String step, String participant, String action, Instant now) {
            Step s = steps.computeIfAbsent(step, k -> new Step(step, participant, action));
            s.participant = participant;
            s.action = action;
            s.started = now;
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

        synchronized Map<String, Object> view() {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("id", id);
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
                stepViews.add(sv);
            }
            view.put("steps", stepViews);
            return view;
        }
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

        Step(String name, String participant, String action) {
            this.name = name;
            this.participant = participant;
            this.action = action;
        }
    }
}

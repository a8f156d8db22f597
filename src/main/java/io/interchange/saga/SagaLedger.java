package io.interchange.saga;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What the gateway knows about its sagas: in-flight and finished ones with their steps, callbacks and timings, for
 * the {@code sagas} management endpoint and the {@code interchange_saga_*} metrics; and which compensations and
 * completions already ran, which decides what a coordinator callback may do: a repeated one has no effect, one
 * arriving while the first still runs fails (so the coordinator asks again once the first has an outcome), and a
 * step is completed or compensated, never both. Two stores ({@code interchange.saga.store}): {@link MemorySagaLedger}
 * (this process only; dev mode and tests) and {@link JdbcSagaLedger} (PostgreSQL, shared by every replica and kept
 * across restarts).
 */
public abstract class SagaLedger {

    public enum Status { ACTIVE, COMPLETED, COMPENSATING, COMPENSATED, FAILED }

    /** What a compensation or completion callback of a step did. */
    public enum CallbackState { RUNNING, DONE, NOTHING_TO_DO, FAILED }

    /**
     * Which sagas to list: all of them when a filter is null, newest first, at most {@code limit}.
     *
     * @param from sagas started at or after it
     * @param to   sagas started before it
     */
    public record Query(Status status, String orderId, Instant from, Instant to, int limit) {
        public static final int MAX_LIMIT = 1000;
        public static final Query ALL = new Query(null, null, null, null, MAX_LIMIT);

        public Query {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT + ", was " + limit);
            }
        }

        boolean matches(Status sagaStatus, String sagaOrderId, Instant started) {
            return (status == null || status == sagaStatus) && (orderId == null || orderId.equals(sagaOrderId))
                    && (from == null || !started.isBefore(from)) && (to == null || started.isBefore(to));
        }
    }

    private final MeterRegistry meters;
    private final Counter refusedCallbacks;
    private final Counter started;
    private final Counter completed;
    private final Counter compensated;
    private final Counter failed;
    private final Counter unmatchedReplies;
    /** Failed compensation and completion callbacks, by kind and participant ({@code kind|participant}). */
    private final Map<String, Counter> failedCallbacks = new ConcurrentHashMap<>();

    protected SagaLedger(SagaProperties properties, MeterRegistry meters) {
        this.meters = meters;
        this.refusedCallbacks = Counter.builder("interchange.saga.callbacks.refused")
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
        // At 0 from the start for every configured participant: a counter that appears with its first failure
        // at 1 shows no increase() to an alert rule.
        for (String participant : properties.participants().keySet()) {
            failedCallbacks(participant, "compensation");
            failedCallbacks(participant, "completion");
        }
    }

    /** The gateway started a saga (its LRA id) for an order, with no trace context. */
    public final void started(String sagaId, String orderId) {
        started(sagaId, orderId, null);
    }

    /**
     * The gateway started a saga (its LRA id) for an order.
     *
     * @param traceparent the W3C trace context of the span that started it, or null: the coordinator's callbacks carry
     *                    none, and continue the saga's trace from this one ({@link #traceparent})
     */
    public abstract void started(String sagaId, String orderId, String traceparent);

    /** The trace context the saga was started with, or null (none, or a saga no gateway recorded). */
    public abstract String traceparent(String sagaId);

    /**
     * A step is about to call its participant; false (nothing recorded) once the saga is being compensated, e.g. the
     * coordinator cancelled it at its time limit while the gateway was between steps: the step must not act then, its
     * compensation has already been decided without it.
     */
    public abstract boolean stepStarted(String sagaId, String step, String participant, String action);

    /**
     * The coordinator compensates the saga: marks it compensating (timed out, if no step failed) so that no further step
     * starts, and returns the steps that started, in the order they did. Empty for a saga the ledger does not know (the
     * memory ledger after a restart): then every step must be asked.
     */
    public abstract List<String> beginCompensation(String sagaId);

    /** The steps of the saga that started, in order; empty if the ledger does not know the saga. */
    public abstract List<String> startedSteps(String sagaId);

    /** A step's call ended: {@code error} null if the participant did it. */
    public abstract void stepEnded(String sagaId, String step, String error);

    /** The order id the saga was started with, or null for a saga no gateway recorded. */
    public abstract String orderId(String sagaId);

    /** The saga closed: the coordinator has run the completions. */
    public abstract void closed(String sagaId);

    /** A step failed and the saga was cancelled: the coordinator now calls the compensations. */
    public abstract void cancelled(String sagaId, String reason);

    /**
     * Claims the compensation or completion of a step; false if it already ran, so a repeated callback does
     * nothing, or if the step's other outcome ran (refused, counted). Throws {@link IllegalStateException} while this
     * callback or the other outcome is still running, so the coordinator calls again once that is decided: answering a
     * repeated callback as done while the first one may still fail would make the coordinator forget a step that was
     * never undone.
     *
     * @param kind {@code compensation} or {@code completion}
     */
    public abstract boolean claim(String sagaId, String step, String kind);

    /** Whether the completion of the step ran (done, or nothing to do). */
    public boolean completed(String sagaId, String step) {
        for (Map<String, Object> s : steps(get(sagaId))) {
            if (step.equals(s.get("step"))) {
                return "done".equals(s.get("completion")) || "nothing_to_do".equals(s.get("completion"));
            }
        }
        return false;
    }

    /** A compensation of a saga whose every step completed, refused as a whole: counted once per step. */
    public void refusedAll(String sagaId, int steps) {
        for (int i = 0; i < steps; i++) {
            countRefused();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> steps(Map<String, Object> saga) {
        return saga == null ? List.of() : (List<Map<String, Object>>) saga.get("steps");
    }

    /** How a claimed callback ended. */
    public final void callbackEnded(String sagaId, String step, String kind, CallbackState state) {
        // Counted by the replica that saw the failure, whatever the store then records (the jdbc store ignores the
        // end of a callback another replica took over): the participant did not confirm it either way.
        if (state == CallbackState.FAILED) {
            failedCallbacks(step, kind).increment();
        }
        recordCallbackEnd(sagaId, step, kind, state);
    }

    /** Records how a claimed callback ended in the store. */
    protected abstract void recordCallbackEnd(String sagaId, String step, String kind, CallbackState state);

    private Counter failedCallbacks(String participant, String kind) {
        return failedCallbacks.computeIfAbsent(kind + "|" + participant, key -> Counter
                .builder("interchange.saga.callbacks.failed")
                .description("Compensation or completion callbacks the participant did not confirm (it answered"
                        + " failed, gave no reply in time, or the request was not published); the coordinator calls"
                        + " them again later")
                .tag("kind", kind).tag("participant", participant).register(meters));
    }

    /** Sagas matching the query, newest first, as plain maps for the management endpoint. */
    public abstract List<Map<String, Object>> list(Query query);

    public List<Map<String, Object>> list() {
        return list(Query.ALL);
    }

    /** One saga by its LRA id or the id's last segment (the coordinator's uid), or null. */
    public abstract Map<String, Object> get(String sagaIdOrUid);

    public void unmatchedReply() {
        unmatchedReplies.increment();
    }

    protected void countStarted() {
        started.increment();
    }

    protected void countFailed() {
        failed.increment();
    }

    protected void countRefused() {
        refusedCallbacks.increment();
    }

    protected void countCompleted(Duration took) {
        completed.increment();
        duration("completed", took);
    }

    protected void countCompensated(Duration took) {
        compensated.increment();
        duration("compensated", took);
    }

    private void duration(String outcome, Duration took) {
        Timer.builder("interchange.saga.duration").description("From saga start to its close or full compensation")
                .tag("outcome", outcome).register(meters).record(took);
    }

    /** The last path segment of an LRA id: Narayana's uid of the LRA, short enough for a URL path. */
    static String uid(String sagaId) {
        try {
            String path = URI.create(sagaId).getPath();
            if (path != null && !path.isEmpty()) {
                return path.substring(path.lastIndexOf('/') + 1);
            }
        } catch (IllegalArgumentException e) {
            // not a URI (the in-memory saga service's ids): the id itself
        }
        return sagaId;
    }
}

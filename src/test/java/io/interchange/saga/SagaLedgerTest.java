package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What the ledger lets the coordinator's callbacks do, how long it remembers a finished saga, and that callbacks for
 * sagas it does not know (after a restart, from another replica, or forged) cannot grow it without bound.
 */
class SagaLedgerTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TestClock clock = new TestClock();

    private MemorySagaLedger ledger(Duration timeout, int history) {
        return ledger(timeout, history, 1000);
    }

    private MemorySagaLedger ledger(Duration timeout, int history, int unknownHistory) {
        return new MemorySagaLedger(new SagaProperties(true, timeout, history, unknownHistory, Map.of()), meters, clock);
    }

    private double refused() {
        return meters.get("interchange.saga.callbacks.refused").counter().count();
    }

    @Test
    void aSagaKeepsTheTraceContextItWasStartedWith() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        ledger.started("s-traced", "o-traced", traceparent);
        ledger.started("s-untraced", "o-untraced");

        assertThat(ledger.traceparent("s-traced")).isEqualTo(traceparent);
        assertThat(ledger.traceparent("s-untraced")).isNull();
        assertThat(ledger.traceparent("s-never-started")).isNull();
        ledger.beginCompensation("s-unknown");
        assertThat(ledger.traceparent("s-unknown")).as("known only from a callback").isNull();
    }

    @Test
    void aStepWhoseCompletionRanIsNeverCompensatedByALateCancel() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        ledger.started("s-1", "o-1");
        ledger.closed("s-1");
        assertThat(ledger.claim("s-1", "order", "completion")).isTrue();
        ledger.callbackEnded("s-1", "order", "completion", SagaLedger.CallbackState.DONE);

        // The coordinator gave up on a slow completion callback and cancels the saga at its time limit.
        assertThat(ledger.claim("s-1", "order", "compensation")).isFalse();
        assertThat(refused()).isEqualTo(1);
        assertThat(ledger.get("s-1")).containsEntry("status", "completed");
    }

    @Test
    void aCompensationDuringTheCompletionFailsForALaterRetryAndRunsIfTheCompletionFailed() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        ledger.started("s-2", "o-2");
        ledger.closed("s-2");
        assertThat(ledger.claim("s-2", "inventory", "completion")).isTrue();
        assertThatThrownBy(() -> ledger.claim("s-2", "inventory", "compensation"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("still running");

        ledger.callbackEnded("s-2", "inventory", "completion", SagaLedger.CallbackState.FAILED);
        assertThat(ledger.claim("s-2", "inventory", "compensation")).as("the completion failed: compensate").isTrue();
    }

    @Test
    void aCompensatedStepIsNeverCompletedAndARepeatedCallbackDoesNothing() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        ledger.started("s-3", "o-3");
        ledger.stepStarted("s-3", "payment", "payment", "charge");
        ledger.stepEnded("s-3", "payment", "declined");
        ledger.cancelled("s-3", "declined");
        assertThat(ledger.claim("s-3", "payment", "compensation")).isTrue();
        ledger.callbackEnded("s-3", "payment", "compensation", SagaLedger.CallbackState.NOTHING_TO_DO);

        assertThat(ledger.claim("s-3", "payment", "compensation")).as("repeated").isFalse();
        assertThat(ledger.claim("s-3", "payment", "completion")).isFalse();
        assertThat(refused()).isEqualTo(1);
        assertThat(ledger.get("s-3")).containsEntry("status", "compensated");
    }

    @Test
    void aFailedCallbackMayRunAgain() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        ledger.started("s-4", "o-4");
        ledger.cancelled("s-4", "timeout");
        assertThat(ledger.claim("s-4", "order", "compensation")).isTrue();
        ledger.callbackEnded("s-4", "order", "compensation", SagaLedger.CallbackState.FAILED);
        assertThat(ledger.claim("s-4", "order", "compensation")).isTrue();
    }

    @Test
    void finishedSagasAreKeptForTwiceTheTimeLimitEvenBeyondTheHistory() {
        MemorySagaLedger ledger = ledger(Duration.ofMinutes(1), 2);
        for (int i = 0; i < 5; i++) {
            ledger.started("f-" + i, "o");
            ledger.closed("f-" + i);
        }
        ledger.started("f-running", "o");
        assertThat(ledger.list()).as("all finished within twice the time limit are kept").hasSize(6);

        clock.advance(Duration.ofMinutes(2).plusMillis(1));
        ledger.started("f-last", "o");
        assertThat(ledger.list()).as("the history (2) plus the two running ones").hasSize(4);
        assertThat(ledger.get("f-4")).isNotNull();
        assertThat(ledger.get("f-0")).isNull();
    }

    @Test
    void aRepeatedCallbackWhileTheFirstRunsFailsForARetryInsteadOfBeingAnsweredAsDone() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        ledger.started("s-5", "o-5");
        ledger.cancelled("s-5", "declined");
        assertThat(ledger.claim("s-5", "order", "compensation")).isTrue();

        // The coordinator gave up waiting (2 s) and calls again while the participant has not answered yet:
        // answering "done" now would let it forget a compensation that may still fail.
        assertThatThrownBy(() -> ledger.claim("s-5", "order", "compensation"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");

        ledger.callbackEnded("s-5", "order", "compensation", SagaLedger.CallbackState.FAILED);
        assertThat(ledger.claim("s-5", "order", "compensation")).as("the first failed: run again").isTrue();
        ledger.callbackEnded("s-5", "order", "compensation", SagaLedger.CallbackState.DONE);
        assertThat(ledger.claim("s-5", "order", "compensation")).as("done: nothing to do").isFalse();
    }

    @Test
    void callbacksForManyUnknownSagasKeepTheLedgerBounded() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200, 100);
        for (int i = 0; i < 100_000; i++) {
            String sagaId = "http://coordinator/lra-coordinator/unknown-" + i;
            // Completions never finish a saga and compensations that fail leave it FAILED: neither may stay forever.
            String kind = i % 2 == 0 ? "completion" : "compensation";
            assertThat(ledger.claim(sagaId, "payment", kind)).isTrue();
            ledger.callbackEnded(sagaId, "payment", kind, i % 3 == 0 ? SagaLedger.CallbackState.FAILED
                    : SagaLedger.CallbackState.DONE);
            assertThat(ledger.size()).isLessThanOrEqualTo(100);
        }
        assertThat(ledger.unknownSize()).isEqualTo(100);
        assertThat(meters.get("interchange.saga.ledger.unknown").gauge().value()).isEqualTo(100);
        assertThat(ledger.get("http://coordinator/lra-coordinator/unknown-99999")).as("the newest are kept").isNotNull();
        assertThat(ledger.get("http://coordinator/lra-coordinator/unknown-0")).isNull();
    }

    @Test
    void unknownSagasDoNotPushOutTheSagasThisGatewayStarted() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200, 10);
        ledger.started("mine", "o-mine");
        for (int i = 0; i < 1000; i++) {
            ledger.claim("unknown-" + i, "order", "completion");
            ledger.callbackEnded("unknown-" + i, "order", "completion", SagaLedger.CallbackState.DONE);
        }
        assertThat(ledger.get("mine")).containsEntry("orderId", "o-mine").containsEntry("status", "active");
        assertThat(ledger.orderId("mine")).isEqualTo("o-mine");
        assertThat(ledger.size()).isEqualTo(11);
    }

    @Test
    void unknownSagasAreForgottenAfterTwiceTheTimeLimit() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(10), 200, 1000);
        for (int i = 0; i < 50; i++) {
            ledger.claim("old-" + i, "order", "compensation");
            ledger.callbackEnded("old-" + i, "order", "compensation", SagaLedger.CallbackState.DONE);
        }
        clock.advance(Duration.ofSeconds(20).plusMillis(1));
        ledger.started("new", "o");
        assertThat(ledger.size()).isEqualTo(1);
        assertThat(ledger.unknownSize()).isZero();

        // A saga the coordinator still calls back for after that is simply unknown again: its callbacks run.
        assertThat(ledger.claim("old-0", "order", "compensation")).isTrue();
    }

    @Test
    void anUnknownSagaIsKeptWhileItsCallbackRunsEvenBeyondTheLimit() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200, 2);
        assertThat(ledger.claim("slow", "payment", "compensation")).isTrue();
        for (int i = 0; i < 20; i++) {
            ledger.claim("other-" + i, "order", "compensation");
            ledger.callbackEnded("other-" + i, "order", "compensation", SagaLedger.CallbackState.DONE);
        }
        clock.advance(Duration.ofMinutes(10));
        ledger.claim("later", "order", "compensation");

        assertThat(ledger.get("slow")).as("its compensation is still running").isNotNull();
        assertThatThrownBy(() -> ledger.claim("slow", "payment", "compensation"))
                .as("a repeated callback still fails for a retry").hasMessageContaining("already running");
        ledger.callbackEnded("slow", "payment", "compensation", SagaLedger.CallbackState.DONE);
        assertThat(ledger.claim("slow", "payment", "compensation")).isFalse();
        assertThat(ledger.size()).as("the limit (2) plus the one that was running").isLessThanOrEqualTo(3);
    }

    @Test
    void concurrentCallbacksForUnknownSagasStayBoundedAndConsistent() throws Exception {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200, 50);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        // Threads share ids, so claims race with each other and with eviction.
                        String sagaId = "race-" + (i % 500);
                        String kind = (i + thread) % 2 == 0 ? "compensation" : "completion";
                        boolean claimed;
                        try {
                            claimed = ledger.claim(sagaId, "step-" + thread, kind);
                        } catch (IllegalStateException runningElsewhere) {
                            continue;
                        }
                        if (claimed) {
                            ledger.callbackEnded(sagaId, "step-" + thread, kind, SagaLedger.CallbackState.DONE);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ledger.size()).isLessThanOrEqualTo(50);
        assertThat(ledger.unknownSize()).isEqualTo(ledger.size());
    }

    @Test
    void failedCallbacksAreCountedByKindAndParticipantFromZero() {
        SagaProperties.Participant payment = new SagaProperties.Participant(Duration.ofSeconds(5),
                new SagaProperties.Breaker(50, 10, 5, Duration.ofSeconds(30), 2));
        MemorySagaLedger ledger = new MemorySagaLedger(new SagaProperties(true, Duration.ofSeconds(60), 200, 1000,
                Map.of("payment", payment)), meters, clock);
        // Registered before any failure, so that an alert's increase() sees the first one.
        assertThat(failedCallbacks("compensation", "payment")).isZero();
        assertThat(failedCallbacks("completion", "payment")).isZero();

        ledger.started("s-f", "o-f");
        ledger.stepStarted("s-f", "payment", "payment", "charge");
        ledger.stepEnded("s-f", "payment", "declined");
        ledger.cancelled("s-f", "declined");
        assertThat(ledger.claim("s-f", "payment", "compensation")).isTrue();
        ledger.callbackEnded("s-f", "payment", "compensation", SagaLedger.CallbackState.FAILED);
        assertThat(failedCallbacks("compensation", "payment")).isEqualTo(1);
        assertThat(ledger.get("s-f")).containsEntry("status", "failed");

        // The coordinator calls again and this time the refund goes through: nothing more counted.
        assertThat(ledger.claim("s-f", "payment", "compensation")).isTrue();
        ledger.callbackEnded("s-f", "payment", "compensation", SagaLedger.CallbackState.DONE);
        assertThat(failedCallbacks("compensation", "payment")).isEqualTo(1);
        assertThat(failedCallbacks("completion", "payment")).isZero();

        // A participant the configuration does not name is counted too, under its own tag.
        ledger.callbackEnded("s-g", "audit", "completion", SagaLedger.CallbackState.FAILED);
        assertThat(failedCallbacks("completion", "audit")).isEqualTo(1);
    }

    private double failedCallbacks(String kind, String participant) {
        return meters.get("interchange.saga.callbacks.failed").tag("kind", kind).tag("participant", participant)
                .counter().count();
    }

    /** A clock the test moves, so that retention is tested without waiting for it. */
    private static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void noStepStartsOnceTheCoordinatorCompensatesTheSagaAndTheStartedOnesAreTheOnesToUndo() {
        MemorySagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        ledger.started("s-begin", "o-begin");
        assertThat(ledger.stepStarted("s-begin", "order", "order", "create")).isTrue();
        assertThat(ledger.stepStarted("s-begin", "inventory", "inventory", "reserve")).isTrue();

        // The time limit passed between two steps: the coordinator compensates what started.
        assertThat(ledger.beginCompensation("s-begin")).containsExactly("order", "inventory");
        assertThat(ledger.get("s-begin")).containsEntry("status", "compensating").containsEntry("reason", "timed out");
        assertThat(ledger.stepStarted("s-begin", "payment", "payment", "charge")).as("too late to act").isFalse();
        assertThat(ledger.startedSteps("s-begin")).containsExactly("order", "inventory");
        assertThat(ledger.beginCompensation("s-unknown")).as("a saga the ledger does not know: ask every step").isEmpty();
    }
}

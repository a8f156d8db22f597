package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** What the ledger lets the coordinator's callbacks do, and how long it remembers a finished saga. */
class SagaLedgerTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private SagaLedger ledger(Duration timeout, int history) {
        return new SagaLedger(new SagaProperties(true, timeout, history, Map.of()), meters);
    }

    private double refused() {
        return meters.get("interchange.saga.callbacks.refused").counter().count();
    }

    @Test
    void aStepWhoseCompletionRanIsNeverCompensatedByALateCancel() {
        SagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
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
        SagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
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
        SagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
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
        SagaLedger ledger = ledger(Duration.ofSeconds(60), 200);
        ledger.started("s-4", "o-4");
        ledger.cancelled("s-4", "timeout");
        assertThat(ledger.claim("s-4", "order", "compensation")).isTrue();
        ledger.callbackEnded("s-4", "order", "compensation", SagaLedger.CallbackState.FAILED);
        assertThat(ledger.claim("s-4", "order", "compensation")).isTrue();
    }

    @Test
    void finishedSagasAreKeptForTwiceTheTimeLimitEvenBeyondTheHistory() throws Exception {
        SagaLedger remembering = ledger(Duration.ofMinutes(1), 2);
        for (int i = 0; i < 5; i++) {
            remembering.started("r-" + i, "o");
            remembering.closed("r-" + i);
        }
        remembering.started("r-last", "o");
        assertThat(remembering.list()).as("all finished within the time limit are kept").hasSize(6);

        SagaLedger forgetting = ledger(Duration.ofMillis(5), 2);
        for (int i = 0; i < 5; i++) {
            forgetting.started("f-" + i, "o");
            forgetting.closed("f-" + i);
        }
        Thread.sleep(20); // past twice the 5 ms time limit: the subject under test
        forgetting.started("f-last", "o");
        assertThat(forgetting.list()).as("the history (2) plus the running one").hasSize(3);
        assertThat(forgetting.get("f-4")).isNotNull();
        assertThat(forgetting.get("f-0")).isNull();
    }
}

package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

/**
 * Readiness of a source after restarts: a source that keeps failing after it ran (flapping) is not ready, while
 * the attempts to reconnect during one broker outage are one restart, not one each.
 */
class SourceHealthTest {

    private final SourceHealth health = new SourceHealth("route", Duration.ofMinutes(2), Duration.ofMinutes(5));

    @Test
    void reconnectAttemptsDuringOneOutageAreOneRestart() {
        health.running();
        for (int attempt = 0; attempt < 6; attempt++) {
            health.restarting(new IOException("Connection refused"));
        }
        assertThat(readiness()).as("while reconnecting").isEqualTo(HealthCheck.State.DOWN);

        health.running();
        assertThat(health.recentRestarts()).isEqualTo(1);
        assertThat(readiness()).as("running again after the outage").isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void aSourceThatFailsAgainEachTimeItRanIsNotReady() {
        for (int flap = 0; flap < SourceHealth.RESTARTS_DOWN; flap++) {
            health.running();
            health.restarting(new IllegalStateException("poll loop failed"));
        }
        health.running();
        assertThat(health.recentRestarts()).isEqualTo(SourceHealth.RESTARTS_DOWN);
        assertThat(readiness()).isEqualTo(HealthCheck.State.DOWN);
    }

    @Test
    void aFailureBeforeTheFirstRunCounts() {
        health.restarting(new IllegalStateException("assignment failed"));
        health.restarting(new IllegalStateException("assignment failed"));
        health.running();
        assertThat(health.recentRestarts()).isEqualTo(1);
    }

    private HealthCheck.State readiness() {
        return health.call().getState();
    }
}

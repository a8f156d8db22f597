package io.interchange.saga;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * Health {@code participantBreakers}: the state of each participant's circuit breaker. An open breaker is
 * reported as CIRCUIT_OPEN, which does not make the gateway unhealthy (it still serves everything else
 * and new sagas fail fast by design); it is not part of the readiness group.
 */
@Component("participantBreakers")
public class SagaParticipantsHealth implements HealthIndicator {

    public static final Status CIRCUIT_OPEN = new Status("CIRCUIT_OPEN", "a participant's circuit breaker is open");

    private final ObjectProvider<SagaBreakers> breakers;

    public SagaParticipantsHealth(ObjectProvider<SagaBreakers> breakers) {
        this.breakers = breakers;
    }

    @Override
    public Health health() {
        SagaBreakers sagaBreakers = breakers.getIfAvailable();
        if (sagaBreakers == null) {
            return Health.unknown().withDetail("sagas", "disabled").build();
        }
        Health.Builder health = Health.up();
        sagaBreakers.breakers().forEach((name, breaker) -> {
            health.withDetail(name, breaker.getState().name());
            if (SagaBreakers.stateCode(breaker) == 1) {
                health.status(CIRCUIT_OPEN);
            }
        });
        return health.build();
    }
}

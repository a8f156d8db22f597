package io.interchange.saga;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelContextCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * One Resilience4j circuit breaker per saga participant, configured from
 * {@code interchange.saga.participants.<name>.breaker} and bound in Camel's registry as
 * {@code <name>Breaker} for the {@code circuitBreaker} steps of routes/order-saga.yaml. Each breaker's
 * state is the gauge {@code interchange_saga_breaker_state} (0 closed, 1 open, 2 half-open) and part of
 * the {@code participantBreakers} health.
 */
@Component
@ConditionalOnProperty(name = "interchange.saga.enabled", havingValue = "true")
public class SagaBreakers implements CamelContextCustomizer {

    private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();

    public SagaBreakers(SagaProperties properties, MeterRegistry meters) {
        properties.participants().forEach((name, participant) -> {
            SagaProperties.Breaker b = participant.breaker();
            CircuitBreaker breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                    .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                    .slidingWindowSize(b.slidingWindowSize())
                    .minimumNumberOfCalls(b.minimumNumberOfCalls())
                    .failureRateThreshold(b.failureRateThreshold())
                    .waitDurationInOpenState(b.waitInOpenState())
                    .permittedNumberOfCallsInHalfOpenState(b.permittedCallsInHalfOpen())
                    .automaticTransitionFromOpenToHalfOpenEnabled(true)
                    .build());
            breakers.put(name, breaker);
            Gauge.builder("interchange.saga.breaker.state", breaker, SagaBreakers::stateCode)
                    .description("Circuit breaker of a saga participant: 0 closed, 1 open, 2 half-open")
                    .tag("participant", name).register(meters);
        });
    }

    @Override
    public void configure(CamelContext camelContext) {
        breakers.forEach((name, breaker) -> camelContext.getRegistry().bind(name + "Breaker", breaker));
    }

    public Map<String, CircuitBreaker> breakers() {
        return breakers;
    }

    static double stateCode(CircuitBreaker breaker) {
        return switch (breaker.getState()) {
            case CLOSED, DISABLED, METRICS_ONLY -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }
}

package io.interchange.saga;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Sagas coordinated by an LRA coordinator (camel-lra). Off by default: the saga routes have the
 * precondition {@code {{interchange.saga.enabled}}} and camel-lra starts only when it is true.
 *
 * @param enabled      whether the saga routes and camel-lra run (needs INTERCHANGE_LRA_COORDINATOR_URL)
 * @param timeout      time limit of every saga: the coordinator cancels (compensates) a saga still open
 *                     after it, e.g. because the gateway that started it died
 * @param history      finished sagas kept for the {@code sagas} management endpoint
 * @param unknownHistory sagas known only from coordinator callbacks (started before a restart, or by another
 *                     replica) kept at most; each also for at most twice the time limit. One whose callback is
 *                     still running is kept until it ends (it holds an HTTP thread, so these are bounded too).
 * @param participants per participant (order, inventory, payment, shipping): call timeout and circuit breaker
 */
@Validated
@ConfigurationProperties("interchange.saga")
public record SagaProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("60s") Duration timeout,
        @DefaultValue("200") @Min(1) int history,
        @DefaultValue("1000") @Min(1) int unknownHistory,
        @Valid Map<String, Participant> participants) {

    public SagaProperties {
        participants = participants == null ? Map.of() : Map.copyOf(participants);
    }

    public Participant participant(String name) {
        Participant participant = participants.get(name);
        if (participant == null) {
            throw new IllegalArgumentException("No settings for saga participant '" + name
                    + "' (interchange.saga.participants." + name + ")");
        }
        return participant;
    }

    /**
     * @param callTimeout how long a step waits for the participant's reply before it fails (and the saga compensates)
     * @param breaker     the circuit breaker around every call to the participant
     */
    public record Participant(@DefaultValue("5s") Duration callTimeout, @Valid @DefaultValue Breaker breaker) {
    }

    /**
     * Resilience4j count-based circuit breaker.
     *
     * @param failureRateThreshold      percentage of failed calls in the window that opens the breaker
     * @param slidingWindowSize         calls the failure rate is computed over
     * @param minimumNumberOfCalls      calls needed before the failure rate counts
     * @param waitInOpenState           how long the breaker stays open (calls fail fast) before letting trial calls through
     * @param permittedCallsInHalfOpen  trial calls in half-open state that decide whether it closes again
     */
    public record Breaker(
            @DefaultValue("50") @DecimalMin("1") @DecimalMax("100") float failureRateThreshold,
            @DefaultValue("10") @Min(1) int slidingWindowSize,
            @DefaultValue("5") @Min(1) int minimumNumberOfCalls,
            @DefaultValue("30s") Duration waitInOpenState,
            @DefaultValue("2") @Min(1) int permittedCallsInHalfOpen) {
    }
}

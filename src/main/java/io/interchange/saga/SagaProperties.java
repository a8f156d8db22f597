package io.interchange.saga;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
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
 * @param store        where the saga ledger lives: {@code memory} (this process; dev mode, tests, one replica) or
 *                     {@code jdbc} (PostgreSQL of {@code spring.datasource.*}, the idempotency store's database:
 *                     shared by every replica and kept across restarts; what more than one replica needs)
 * @param retention    with {@code jdbc}: how long a saga is kept after its last change; at least twice the timeout,
 *                     since the coordinator may still call back for a saga that long after it ended
 * @param cleanupInterval with {@code jdbc}: how often sagas past the retention are deleted
 * @param callbackRetryHold how long a callback that must run again later is held before it is answered: longer than
 *                     the coordinator waits for a participant (Narayana 1.1: 2 s), so that the coordinator takes it as
 *                     unreachable and calls it again; answered at once with an error, Narayana would never call it again
 * @param callbackLease with {@code jdbc}: a compensation or completion recorded as running for longer than this is
 *                     presumed dead (its replica died) and may be claimed again by the coordinator's next call; longer
 *                     than every participant's call timeout
 */
@Validated
@ConfigurationProperties("interchange.saga")
public record SagaProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("60s") Duration timeout,
        @DefaultValue("200") @Min(1) int history,
        @DefaultValue("1000") @Min(1) int unknownHistory,
        @Valid Map<String, Participant> participants,
        @DefaultValue("memory") @NotNull Store store,
        @DefaultValue("7d") @NotNull Duration retention,
        @DefaultValue("10m") @NotNull Duration cleanupInterval,
        @DefaultValue("30s") @NotNull Duration callbackLease,
        @DefaultValue("3s") @NotNull Duration callbackRetryHold) {

    public enum Store { MEMORY, JDBC }

    @ConstructorBinding
    public SagaProperties {
        participants = participants == null ? Map.of() : Map.copyOf(participants);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("interchange.saga.timeout must be positive, was " + timeout);
        }
        if (retention != null && retention.compareTo(timeout.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("interchange.saga.retention (" + retention + ") must be at least twice"
                    + " interchange.saga.timeout (" + timeout + "): the coordinator may call back that late");
        }
        if (cleanupInterval != null && (cleanupInterval.isNegative() || cleanupInterval.isZero())) {
            throw new IllegalArgumentException("interchange.saga.cleanup-interval must be positive, was " + cleanupInterval);
        }
        // Only the jdbc store takes a running callback over; the memory store has no lease.
        if (callbackLease != null && store == Store.JDBC) {
            for (Map.Entry<String, Participant> p : participants.entrySet()) {
                if (p.getValue() != null && p.getValue().callTimeout() != null
                        && callbackLease.compareTo(p.getValue().callTimeout()) <= 0) {
                    throw new IllegalArgumentException("interchange.saga.callback-lease (" + callbackLease + ") must be"
                            + " longer than interchange.saga.participants." + p.getKey() + ".call-timeout ("
                            + p.getValue().callTimeout() + "): a callback still waiting for its participant would be taken over");
                }
            }
        }
    }

    /** Settings of tests that only care about the first ones; the rest at their defaults. */
    public SagaProperties(boolean enabled, Duration timeout, int history, int unknownHistory,
            Map<String, Participant> participants) {
        this(enabled, timeout, history, unknownHistory, participants, Store.MEMORY, max(Duration.ofDays(7), timeout.multipliedBy(2)),
                Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(3));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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

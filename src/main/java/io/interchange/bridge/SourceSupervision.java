package io.interchange.bridge;

import java.time.Duration;

/**
 * How the sources judge their own health ({@link SourceHealth}): {@code stuckAfter} without a completed
 * message while messages wait makes readiness DOWN; {@code hungAfter} with the consumer's thread not back
 * from a call makes liveness DOWN. A source whose loop or connection fails restarts it after
 * {@code restartBackoff}, doubling up to {@code maxRestartBackoff}.
 */
public record SourceSupervision(Duration stuckAfter, Duration hungAfter, Duration restartBackoff,
        Duration maxRestartBackoff) {

    public static final SourceSupervision DEFAULT = new SourceSupervision(Duration.ofMinutes(2), Duration.ofMinutes(5),
            Duration.ofMillis(500), Duration.ofSeconds(30));

    /** The wait before restart number {@code restarts} (1 for the first). */
    public long backoffMillis(int restarts) {
        return new Backoff(restartBackoff.toMillis(), maxRestartBackoff.toMillis()).after(restarts);
    }

    public SourceHealth health(String routeId) {
        return new SourceHealth(routeId, stuckAfter, hungAfter);
    }
}

package io.interchange.bridge;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.function.LongSupplier;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.HealthCheckComponent;

/**
 * How one source consumer is doing, as a Camel consumer health check (set on the consumer the way the
 * stock components do, so readiness sees it) and as the state its supervisor keeps:
 * <ul>
 * <li>readiness is DOWN while the consumer is connecting, restarting, stopped behind a started route,
 * after {@value #RESTARTS_DOWN} restarts within {@code 5 minutes} (a source that fails again each time it ran;
 * the attempts to reconnect while its broker is away are one restart), or stuck: messages wait (at the broker
 * or in flight) and none completed for {@code stuckAfter};</li>
 * <li>liveness is DOWN only when restarting in the process cannot help: the consumer's thread did not come
 * back from a call for {@code hungAfter} (blocked in a client library), so the process must be replaced.</li>
 * </ul>
 */
public final class SourceHealth extends AbstractHealthCheck {

    /** Restarts within {@link #RESTART_WINDOW} after which readiness is DOWN even while running. */
    static final int RESTARTS_DOWN = 3;
    static final Duration RESTART_WINDOW = Duration.ofMinutes(5);

    public enum State { CONNECTING, RUNNING, RESTARTING, STOPPED }

    private final Duration stuckAfter;
    private final Duration hungAfter;
    private final Deque<Long> restarts = new ArrayDeque<>();
    private volatile State state = State.CONNECTING;
    private volatile String lastError;
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile long lastBeatNanos = System.nanoTime();
    private volatile LongSupplier backlog = () -> -1;

    private final AbstractHealthCheck liveness;

    public SourceHealth(String routeId, Duration stuckAfter, Duration hungAfter) {
        super("interchange", "consumer:interchange-" + routeId);
        this.stuckAfter = stuckAfter;
        this.hungAfter = hungAfter;
        // Camel wraps a consumer's own check in a readiness-only one: the liveness side is a check of its own.
        this.liveness = new AbstractHealthCheck("interchange", "consumer:interchange-" + routeId + "-liveness") {
            @Override
            public boolean isReadiness() {
                return false;
            }

            @Override
            public boolean isLiveness() {
                return true;
            }

            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                SourceHealth.this.doCall(builder, Map.of(HealthCheck.CHECK_KIND, HealthCheck.Kind.LIVENESS));
            }
        };
    }

    /**
     * Hands the readiness side to the consumer and registers the liveness side, the way camel-kafka's consumer
     * does it: Camel's consumers health-check repository wraps the consumer's own check, and the component's
     * {@code healthCheckConsumerEnabled} option ({@link HealthCheckComponent}) turns both sides off. The state
     * is kept either way: the supervisor and the metrics read it.
     */
    public void attach(DefaultConsumer consumer, HealthCheckComponent component) {
        boolean enabled = component.isHealthCheckConsumerEnabled();
        setEnabled(enabled);
        liveness.setEnabled(enabled);
        consumer.setHealthCheck(this);
        HealthCheckRegistry registry = HealthCheckRegistry.get(consumer.getEndpoint().getCamelContext());
        if (registry != null) {
            registry.register(liveness);
        }
    }

    public void detach(DefaultConsumer consumer) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(consumer.getEndpoint().getCamelContext());
        if (registry != null) {
            registry.unregister(liveness);
        }
    }

    /** Messages waiting at the broker plus those in flight; negative when not known. */
    public void backlog(LongSupplier backlog) {
        this.backlog = backlog;
    }

    public long backlog() {
        return backlog.getAsLong();
    }

    /** A message completed (delivered or dead-lettered). */
    public void progress() {
        lastProgressNanos = System.nanoTime();
    }

    /** The consumer's thread came round its loop (or its connection is alive): it is not blocked. */
    public void beat() {
        lastBeatNanos = System.nanoTime();
    }

    public void running() {
        if (state != State.RUNNING) {
            state = State.RUNNING;
            lastError = null;
            // waiting to reconnect is not being stuck
            lastProgressNanos = System.nanoTime();
        }
        beat();
    }

    public synchronized void restarting(Throwable cause) {
        // Another attempt of a restart in progress (its broker still away) is not another restart: counted, a
        // 10-second outage would keep readiness DOWN for the whole window after the source is back.
        boolean again = state == State.RESTARTING;
        state = State.RESTARTING;
        lastError = cause == null ? null : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        long now = System.nanoTime();
        if (!again) {
            restarts.addLast(now);
        }
        while (!restarts.isEmpty() && now - restarts.peekFirst() > RESTART_WINDOW.toNanos()) {
            restarts.pollFirst();
        }
        beat();
    }

    public void stopped() {
        state = State.STOPPED;
    }

    public State state() {
        return state;
    }

    public synchronized int recentRestarts() {
        long now = System.nanoTime();
        return (int) restarts.stream().filter(t -> now - t <= RESTART_WINDOW.toNanos()).count();
    }

    /** Seconds since a message last completed (or the consumer last (re)connected). */
    public double secondsSinceProgress() {
        return (System.nanoTime() - lastProgressNanos) / 1e9;
    }

    public boolean isHung() {
        return state != State.STOPPED && System.nanoTime() - lastBeatNanos > hungAfter.toNanos();
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long waiting = backlog();
        builder.detail("state", state.name());
        builder.detail("restarts.recent", recentRestarts());
        builder.detail("seconds.since.progress", (long) secondsSinceProgress());
        builder.detail("backlog", waiting);
        if (lastError != null) {
            builder.detail("last.error", lastError);
        }
        if (HealthCheck.Kind.LIVENESS.equals(options.get(HealthCheck.CHECK_KIND))) {
            if (isHung()) {
                builder.message("the consumer thread has not come back for more than " + hungAfter.toSeconds()
                        + " s: only a new process helps").down();
            } else {
                builder.up();
            }
            return;
        }
        if (state != State.RUNNING) {
            builder.message("consumer " + state.name().toLowerCase() + (lastError == null ? "" : ": " + lastError)).down();
        } else if (recentRestarts() >= RESTARTS_DOWN) {
            builder.message("consumer restarted " + recentRestarts() + " times in " + RESTART_WINDOW.toMinutes()
                    + " minutes" + (lastError == null ? "" : "; last: " + lastError)).down();
        } else if (waiting > 0 && secondsSinceProgress() > stuckAfter.toSeconds()) {
            builder.message("stuck: " + waiting + " messages wait and none completed for "
                    + (long) secondsSinceProgress() + " s").down();
        } else {
            builder.up();
        }
    }
}

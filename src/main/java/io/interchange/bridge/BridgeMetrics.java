package io.interchange.bridge;

import java.time.Duration;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What a bridge source reports per route: messages received, completed and failed, messages in
 * flight, redeliveries, and end-to-end latency from the time the source broker stamped a message to
 * the moment the sink confirmed it. Meters are looked up once, so recording costs an increment;
 * Camel's own per-exchange metrics are switched off in the jar's application.yaml because they cost
 * the gateway about a third of its CPU (see docs/benchmarks.md). Without a meter registry it records nothing.
 */
public final class BridgeMetrics {

    private static final BridgeMetrics NONE = new BridgeMetrics(null, null, null, null, null);

    private final Counter received;
    private final Counter completed;
    private final Counter failed;
    private final Counter redeliveries;
    private final Timer latency;

    private BridgeMetrics(Counter received, Counter completed, Counter failed, Counter redeliveries, Timer latency) {
        this.received = received;
        this.completed = completed;
        this.failed = failed;
        this.redeliveries = redeliveries;
        this.latency = latency;
    }

    public static BridgeMetrics of(CamelContext camelContext, String routeId, String source, Supplier<Number> inFlight,
            SourceHealth health) {
        MeterRegistry registry = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            return NONE;
        }
        Gauge.builder("interchange.bridge.in.flight", inFlight).tag("routeId", routeId).tag("source", source)
                .description("Messages handed to the route whose sink has not confirmed yet").register(registry);
        Gauge.builder("interchange.bridge.backlog", health, SourceHealth::backlog).tag("routeId", routeId)
                .tag("source", source).description("Messages waiting: the consumer group's lag on Kafka, the queue's"
                        + " depth on RabbitMQ and SQS, plus those in flight; -1 while not known").register(registry);
        Gauge.builder("interchange.bridge.progress.age", health, SourceHealth::secondsSinceProgress).tag("routeId", routeId)
                .tag("source", source).baseUnit("seconds")
                .description("Seconds since a message of the route last completed").register(registry);
        Gauge.builder("interchange.bridge.consumer.up", health, h -> h.state() == SourceHealth.State.RUNNING ? 1 : 0)
                .tag("routeId", routeId).tag("source", source)
                .description("1 while the source consumer runs, 0 while it connects, restarts or is stopped")
                .register(registry);
        return new BridgeMetrics(
                counter(registry, "interchange.bridge.received", routeId, source, "Messages the source handed to the route"),
                counter(registry, "interchange.bridge.completed", routeId, source,
                        "Messages whose route completed (sink confirmed, or dead-lettered); the source acknowledges these"),
                counter(registry, "interchange.bridge.failed", routeId, source,
                        "Messages whose route failed; the source delivers them again"),
                counter(registry, "interchange.bridge.redeliveries", routeId, source,
                        "Messages the source will deliver again after a failure"),
                Timer.builder("interchange.bridge.latency").tag("routeId", routeId).tag("source", source)
                        .description("From the source broker's timestamp to the route's completion")
                        .publishPercentiles(0.5, 0.99, 0.999).register(registry));
    }

    private static Counter counter(MeterRegistry registry, String name, String routeId, String source, String text) {
        return Counter.builder(name).tag("routeId", routeId).tag("source", source).description(text).register(registry);
    }

    public void received() {
        if (received != null) {
            received.increment();
        }
    }

    public void redelivered(int count) {
        if (redeliveries != null) {
            redeliveries.increment(count);
        }
    }

    public void failed() {
        if (failed != null) {
            failed.increment();
        }
    }

    /** A message whose route completed; {@code sourceTimestampMillis} <= 0 when the source gave none. */
    public void completed(long sourceTimestampMillis) {
        if (completed != null) {
            completed.increment();
        }
        if (latency != null && sourceTimestampMillis > 0) {
            latency.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - sourceTimestampMillis)));
        }
    }
}

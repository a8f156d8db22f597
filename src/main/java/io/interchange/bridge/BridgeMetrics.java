package io.interchange.bridge;

import java.time.Duration;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What a bridge source reports beside Camel's own per-route counters (messages in, succeeded,
 * failed): messages in flight, redeliveries, and end-to-end latency from the time the source broker
 * stamped a message to the moment the sink confirmed it. Without a meter registry it records nothing.
 */
public final class BridgeMetrics {

    private final Counter redeliveries;
    private final Timer latency;

    private BridgeMetrics(Counter redeliveries, Timer latency) {
        this.redeliveries = redeliveries;
        this.latency = latency;
    }

    public static BridgeMetrics of(CamelContext camelContext, String routeId, String source, Supplier<Number> inFlight) {
        MeterRegistry registry = camelContext.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            return new BridgeMetrics(null, null);
        }
        Gauge.builder("interchange.bridge.in.flight", inFlight).tag("routeId", routeId).tag("source", source)
                .description("Messages handed to the route whose sink has not confirmed yet").register(registry);
        Counter redeliveries = Counter.builder("interchange.bridge.redeliveries").tag("routeId", routeId)
                .tag("source", source).description("Messages the source will deliver again after a failure")
                .register(registry);
        Timer latency = Timer.builder("interchange.bridge.latency").tag("routeId", routeId).tag("source", source)
                .description("From the source broker's timestamp to the sink's confirm")
                .publishPercentiles(0.5, 0.99, 0.999).register(registry);
        return new BridgeMetrics(redeliveries, latency);
    }

    public void redelivered(int count) {
        if (redeliveries != null) {
            redeliveries.increment(count);
        }
    }

    /** A message confirmed by the sink; {@code sourceTimestampMillis} <= 0 when the source gave none. */
    public void completed(long sourceTimestampMillis) {
        if (latency != null && sourceTimestampMillis > 0) {
            latency.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - sourceTimestampMillis)));
        }
    }
}

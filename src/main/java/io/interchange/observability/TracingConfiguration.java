package io.interchange.observability;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Tracing (interchange.tracing.enabled, off by default): camel-opentelemetry2 makes a span for every route, step
 * and broker hop with this SDK, and carries the W3C trace context (traceparent, tracestate) in Kafka headers,
 * AMQP headers and SQS message attributes, where the next hop, gateway or not, continues the trace. The SDK is
 * configured the OpenTelemetry way, by the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, ...);
 * the gateway only changes defaults: the service name, no metrics or logs export (metrics are scraped from
 * /actuator/prometheus), and spans exported by OTLP unless interchange.tracing.exporter says none.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "interchange.tracing.enabled", havingValue = "true")
public class TracingConfiguration {

    @Bean
    OpenTelemetrySdk interchangeOpenTelemetry(Environment environment, ObjectProvider<SpanExporter> exporters) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("otel.service.name", environment.getProperty("spring.application.name", "interchange"));
        defaults.put("otel.traces.exporter", environment.getProperty("interchange.tracing.exporter", "otlp"));
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        return AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults)
                // Exporters the application context holds besides (an in-memory one in tests).
                .addTracerProviderCustomizer((builder, config) -> {
                    exporters.orderedStream().forEach(exporter -> builder.addSpanProcessor(SimpleSpanProcessor.create(exporter)));
                    return builder;
                })
                .build().getOpenTelemetrySdk();
    }

    /** The tracer camel-opentelemetry2 takes from the registry (it would fall back to a no-op global one). */
    @Bean
    Tracer interchangeTracer(OpenTelemetry openTelemetry) {
        return openTelemetry.getTracer("io.interchange");
    }

    @Bean
    ContextPropagators interchangePropagators(OpenTelemetry openTelemetry) {
        return openTelemetry.getPropagators();
    }
}

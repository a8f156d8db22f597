package io.interchange.observability;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.telemetry.Span;
import org.apache.camel.telemetry.decorators.AbstractMessagingSpanDecorator;

/**
 * Spans of the gateway's own broker components named like camel-opentelemetry2 names those of the stock ones:
 * after the topic, exchange or queue, with the OpenTelemetry messaging attributes. Found by camel-telemetry
 * through META-INF/services/org.apache.camel.telemetry.SpanDecorator; the trace context travels in the
 * exchange's headers, which the components carry to and from the broker.
 */
public final class BrokerSpanDecorators {

    private BrokerSpanDecorators() {
    }

    abstract static class Broker extends AbstractMessagingSpanDecorator {

        private final String component;
        private final String componentClass;
        private final String system;

        Broker(String component, String componentClass, String system) {
            this.component = component;
            this.componentClass = componentClass;
            this.system = system;
        }

        @Override
        public String getComponent() {
            return component;
        }

        @Override
        public String getComponentClassName() {
            return componentClass;
        }

        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            span.setTag("messaging.system", system);
        }
    }

    /** {@code interchange-kafka}: the source's topics. */
    public static final class Kafka extends Broker {
        public Kafka() {
            super("interchange-kafka", "io.interchange.bridge.kafka.KafkaSourceComponent", "kafka");
        }
    }

    /** {@code interchange-rabbitmq}: the exchange published to, or the queue consumed. */
    public static final class Rabbitmq extends Broker {
        public Rabbitmq() {
            super("interchange-rabbitmq", "io.interchange.bridge.rabbitmq.RabbitComponent", "rabbitmq");
        }
    }

    /** {@code interchange-sqs}: the queue. */
    public static final class Sqs extends Broker {
        public Sqs() {
            super("interchange-sqs", "io.interchange.bridge.sqs.SqsComponent", "aws_sqs");
        }
    }
}

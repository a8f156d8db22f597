package io.interchange.bridge;

import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * RabbitMQ exchanges, queues and bindings the gateway declares on its first connection, so a
 * bridge never publishes into an exchange nobody created. Declaring is idempotent; a declaration
 * that differs from what the broker has fails loudly.
 */
@Validated
@ConfigurationProperties("interchange.rabbitmq.topology")
public record RabbitTopologyProperties(
        @Valid List<Exchange> exchanges,
        @Valid List<Queue> queues,
        @Valid List<Binding> bindings) {

    public RabbitTopologyProperties {
        exchanges = exchanges == null ? List.of() : exchanges;
        queues = queues == null ? List.of() : queues;
        bindings = bindings == null ? List.of() : bindings;
    }

    public record Exchange(
            @NotBlank String name,
            @Pattern(regexp = "direct|topic|fanout|headers", message = "must be direct, topic, fanout or headers")
            String type) {

        public Exchange {
            type = type == null ? "topic" : type;
        }
    }

    /** A durable queue; {@code arguments} carries x-* settings such as x-dead-letter-exchange. */
    public record Queue(@NotBlank String name, Map<String, Object> arguments) {

        public Queue {
            arguments = arguments == null ? Map.of() : arguments;
        }
    }

    public record Binding(@NotBlank String exchange, @NotBlank String queue, String routingKey) {

        public Binding {
            routingKey = routingKey == null ? "" : routingKey;
        }
    }
}

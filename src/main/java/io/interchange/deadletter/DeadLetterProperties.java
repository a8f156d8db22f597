package io.interchange.deadletter;

import java.util.Map;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param maxAttempts  deliveries of a message that keeps failing with an error that is neither
 *                     known to be permanent nor a broker outage, before it is dead-lettered
 * @param destinations per route id, the endpoint URI dead-lettered messages are sent to (a Kafka
 *                     DLT topic, a RabbitMQ exchange, an SQS queue), sent to and confirmed before
 *                     the source is acknowledged
 */
@Validated
@ConfigurationProperties("interchange.dead-letter")
public record DeadLetterProperties(@DefaultValue("5") @Min(1) int maxAttempts, Map<String, String> destinations) {

    public DeadLetterProperties {
        destinations = destinations == null ? Map.of() : Map.copyOf(destinations);
    }
}

package io.interchange.deadletter;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.util.URISupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.interchange.bridge.kafka.KafkaSourceEndpoint;
import io.interchange.bridge.rabbitmq.RabbitEndpoint;
import io.interchange.bridge.sqs.SqsEndpoint;

/**
 * At startup, holds each route's dead-letter destination against its source: a destination that takes
 * less than the source can deliver is logged, with the size above which that route's dead letters are
 * written truncated. Nothing fails for it: truncation keeps the stream moving, and the log says what to
 * raise if whole dead letters matter.
 */
@Component
public class DeadLetterLimits implements CamelContextConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterLimits.class);

    /** Kafka's default message.max.bytes: what a topic holds unless configured otherwise. */
    static final int KAFKA_BROKER_DEFAULT = 1_048_588;

    private final DeadLetterPolicy deadLetter;

    public DeadLetterLimits(DeadLetterPolicy deadLetter) {
        this.deadLetter = deadLetter;
    }

    @Override
    public void beforeApplicationStart(CamelContext camelContext) {
        // routes are not created yet
    }

    @Override
    public void afterApplicationStart(CamelContext camelContext) {
        for (Route route : camelContext.getRoutes()) {
            String uri = deadLetter.destinationOf(route.getRouteId());
            long source = sourceLimit(route.getEndpoint());
            if (uri == null || source <= 0) {
                continue;
            }
            try {
                DeadLetterDestination destination = DeadLetterDestination.of(uri, camelContext.getEndpoint(uri));
                if (destination.maxBytes() < source) {
                    LOG.info("Route '{}': its source delivers messages of up to {} bytes, its dead-letter destination '{}'"
                            + " takes {}: larger dead letters are written truncated (the original's location kept)",
                            route.getRouteId(), source, URISupport.sanitizeUri(uri), destination.maxBytes());
                }
            } catch (RuntimeException e) {
                LOG.warn("Route '{}': its dead-letter destination '{}' cannot be resolved: {}", route.getRouteId(),
                        URISupport.sanitizeUri(uri), e.getMessage());
            }
        }
    }

    /** What a source can hand the route at most, by its broker's default limit; 0 when unknown. */
    private static long sourceLimit(Endpoint endpoint) {
        if (endpoint instanceof KafkaSourceEndpoint) {
            return KAFKA_BROKER_DEFAULT;
        }
        if (endpoint instanceof RabbitEndpoint) {
            return DeadLetterDestination.RABBITMQ_MAX;
        }
        if (endpoint instanceof SqsEndpoint) {
            return DeadLetterDestination.SQS_MAX;
        }
        return 0;
    }
}

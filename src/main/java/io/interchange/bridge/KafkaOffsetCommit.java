package io.interchange.bridge;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.springframework.stereotype.Component;

/**
 * The last step of a bridge that reads Kafka: marks the record's offset for commit once every sink
 * before it confirmed. A route without it never commits, so it fails loudly when the consumer was
 * not set up for manual commits instead of silently re-reading the topic after each restart.
 */
@Component("kafkaOffsetCommit")
public class KafkaOffsetCommit implements Processor {

    @Override
    public void process(Exchange exchange) {
        KafkaManualCommit commit = exchange.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (commit == null) {
            throw new IllegalStateException("Route '" + exchange.getFromRouteId() + "' commits Kafka offsets but its"
                    + " consumer has no manual commit: set allowManualCommit=true and autoCommitEnable=false");
        }
        commit.commit();
    }
}

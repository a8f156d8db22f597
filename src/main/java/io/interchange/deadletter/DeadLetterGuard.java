package io.interchange.deadletter;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * The first step of every route under the dead-letter policy (routes/dead-letter.yaml, interceptFrom):
 * a message that was in flight each of the last {@code max-attempts} times the gateway died is
 * dead-lettered instead of being processed again, so one message cannot keep a gateway crashing.
 * Sources count those deliveries in {@link DeadLetterHeaders#UNSETTLED_ATTEMPTS}.
 */
@Component("deadLetterGuard")
public class DeadLetterGuard implements Processor {

    private final DeadLetterProperties properties;

    public DeadLetterGuard(DeadLetterProperties properties) {
        this.properties = properties;
    }

    @Override
    public void process(Exchange exchange) {
        Object unsettled = exchange.getProperty(DeadLetterHeaders.UNSETTLED_ATTEMPTS);
        if (unsettled instanceof Integer count && count >= properties.maxAttempts()) {
            throw new AbandonedMessageException(count);
        }
    }
}

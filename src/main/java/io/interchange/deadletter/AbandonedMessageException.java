package io.interchange.deadletter;

import io.interchange.bridge.UndeliverableException;

/**
 * A message whose earlier deliveries ended, again and again, without an outcome: the gateway died or
 * stopped each time it was in flight. It is taken to be what stops the gateway and is dead-lettered
 * without being processed once more.
 */
public class AbandonedMessageException extends UndeliverableException {

    public AbandonedMessageException(int unsettled) {
        super("The gateway stopped " + unsettled + " times while this message was in flight (it is taken to stop"
                + " the gateway); dead-lettered without processing it again");
    }
}

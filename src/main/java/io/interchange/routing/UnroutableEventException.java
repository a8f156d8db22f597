package io.interchange.routing;

import io.interchange.bridge.UndeliverableException;

/**
 * No rule of a content-based router takes the event: the explicit "unroutable" outcome. It is
 * permanent, so the dead-letter policy sends the event to the route's dead-letter destination at once
 * with this message as the reason; an event is never dropped because nothing matched. Routes throw it
 * from the {@code otherwise} branch of their {@code choice}:
 *
 * <pre>
 * otherwise:
 *   steps:
 *     - throwException:
 *         exceptionType: io.interchange.routing.UnroutableEventException
 *         message: "no rule of orders-router matches type ${header.ce-type}"
 * </pre>
 */
public class UnroutableEventException extends UndeliverableException {

    public UnroutableEventException(String message) {
        super(message);
    }
}

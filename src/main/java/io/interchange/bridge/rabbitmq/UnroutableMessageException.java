package io.interchange.bridge.rabbitmq;

import io.interchange.bridge.UndeliverableException;

/** RabbitMQ returned a mandatory publish: no queue is bound for its routing key. */
public class UnroutableMessageException extends UndeliverableException {

    public UnroutableMessageException(String message) {
        super(message);
    }
}

package io.interchange.bridge.rabbitmq;

/** RabbitMQ did not take a message: it nacked it, returned it as unroutable, or the channel died. */
public class RabbitPublishException extends Exception {

    public RabbitPublishException(String message) {
        super(message);
    }

    public RabbitPublishException(String message, Throwable cause) {
        super(message, cause);
    }
}

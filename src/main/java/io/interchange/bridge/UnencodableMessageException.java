package io.interchange.bridge;

/**
 * A message a sink cannot encode for its broker (an SQS body that is not text, a header RabbitMQ cannot
 * carry): the same message fails the same way every time, so it is dead-lettered at once.
 */
public class UnencodableMessageException extends UndeliverableException {

    public UnencodableMessageException(String message) {
        super(message);
    }

    public UnencodableMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.interchange.deadletter;

/**
 * A dead letter could not be written (the destination is away, or refused even the truncated form): the
 * message is not acknowledged, so its source pauses and delivers it again; it is never skipped.
 */
public class DeadLetterUnavailableException extends RuntimeException {

    public DeadLetterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.interchange.bridge;

/**
 * A message that no retry can deliver (too large, invalid, unroutable): it goes to the dead-letter
 * destination at once instead of being redelivered.
 */
public class UndeliverableException extends RuntimeException {

    public UndeliverableException(String message) {
        super(message);
    }

    public UndeliverableException(String message, Throwable cause) {
        super(message, cause);
    }
}

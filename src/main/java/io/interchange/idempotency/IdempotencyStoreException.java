package io.interchange.idempotency;

/**
 * The key store could not be reached or answered with an error. It fails the exchange like a broker
 * outage: the source delivers the event again, it is never dead-lettered for this.
 */
public class IdempotencyStoreException extends RuntimeException {

    public IdempotencyStoreException(String operation, Throwable cause) {
        super("idempotency store failed to " + operation + ": " + cause.getMessage(), cause);
    }
}

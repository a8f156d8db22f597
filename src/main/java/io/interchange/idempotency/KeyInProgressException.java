package io.interchange.idempotency;

/**
 * A duplicate arrived while another exchange (on this or another replica) still processes the same
 * event. The delivery is failed rather than dropped, so the source delivers it again later: if the
 * other exchange fails, this one processes the event; if it succeeds, this one is dropped. It is never
 * dead-lettered (see DeadLetterPolicy).
 */
public class KeyInProgressException extends RuntimeException {

    public KeyInProgressException(String key) {
        super("event '" + key + "' is being processed by another exchange; delivered again later");
    }
}

package io.interchange.bridge;

/** A payload over a sink's size limit: retrying cannot help, so it belongs in a dead-letter destination. */
public class MessageTooLargeException extends UndeliverableException {

    public MessageTooLargeException(String sink, int size, int limit) {
        super("Payload of " + size + " bytes exceeds the limit of " + limit + " bytes of " + sink);
    }
}

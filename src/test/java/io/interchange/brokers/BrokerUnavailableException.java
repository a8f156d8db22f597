package io.interchange.brokers;

/**
 * A broker could not be started. Tests must fail, never skip, when this happens: the message says which broker,
 * why (usually the last lines of its log) and what to do about it.
 */
public class BrokerUnavailableException extends RuntimeException {

    public BrokerUnavailableException(String broker, String reason, String remedy) {
        this(broker, reason, remedy, null);
    }

    public BrokerUnavailableException(String broker, String reason, String remedy, Throwable cause) {
        super(broker + " could not be started: " + reason + System.lineSeparator() + "How to fix: " + remedy, cause);
    }
}

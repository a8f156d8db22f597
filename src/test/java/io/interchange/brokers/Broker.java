package io.interchange.brokers;

/**
 * A broker started on 127.0.0.1 for tests and dev mode. {@link #start()} after {@link #stop()} brings it back on
 * the same ports with the same data, so outage tests can take a broker away and return it.
 */
public interface Broker extends AutoCloseable {

    /** Short name, also the directory under {@code target/brokers/}. */
    String name();

    /** Starts the broker and returns once clients can use it; does nothing if it is running. */
    void start();

    /** Stops the broker gracefully; does nothing if it is not running. */
    void stop();

    boolean isRunning();

    @Override
    default void close() {
        stop();
    }
}

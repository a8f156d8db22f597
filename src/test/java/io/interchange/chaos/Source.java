package io.interchange.chaos;

/** Where a direction's records come from: a topic or queue of the source broker, filled by the test. */
interface Source extends AutoCloseable {

    /** Creates the topic or queue (and what the route needs beside it). */
    void create() throws Exception;

    /** Sends records {@code from} (inclusive) to {@code to} (exclusive) in order; returns once the broker has them. */
    void send(int from, int to) throws Exception;

    /**
     * Records still at the source: the consumer group's lag on Kafka, messages ready or unacknowledged on RabbitMQ,
     * messages visible or in flight on SQS. 0 once the gateway took and settled everything.
     */
    long backlog() throws Exception;

    /** What is left at the source in detail, for a report of a stuck run. */
    default String detail() throws Exception {
        return "";
    }

    @Override
    void close();
}

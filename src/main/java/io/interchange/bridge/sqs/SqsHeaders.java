package io.interchange.bridge.sqs;

/** Exchange headers the SQS source sets and the SQS sink reads. */
public final class SqsHeaders {

    /** Message group of a FIFO message: set by the source, read first by the sink. */
    public static final String MESSAGE_GROUP_ID = "InterchangeMessageGroupId";

    /** Deduplication id for a FIFO sink; overrides the CloudEvent id and the Kafka coordinates. */
    public static final String MESSAGE_DEDUPLICATION_ID = "InterchangeMessageDeduplicationId";

    /**
     * Record key for camel-kafka: the source sets it to the message group, so an SQS -> Kafka route
     * keys records by group and a group stays in one partition, in order. The sink falls back to it
     * for the message group, so Kafka -> SQS FIFO keeps per-key order.
     */
    public static final String KAFKA_KEY = "kafka.KEY";

    /** SQS bookkeeping of the received message (source only; the sink never sends {@code sqs.*}). */
    public static final String MESSAGE_ID = "sqs.MESSAGE_ID";
    public static final String APPROXIMATE_RECEIVE_COUNT = "sqs.APPROXIMATE_RECEIVE_COUNT";
    public static final String SENT_TIMESTAMP = "sqs.SENT_TIMESTAMP";
    public static final String QUEUE = "sqs.QUEUE";

    private SqsHeaders() {
    }
}

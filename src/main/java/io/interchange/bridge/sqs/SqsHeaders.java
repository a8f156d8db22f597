package io.interchange.bridge.sqs;

import org.apache.camel.spi.Metadata;

import io.interchange.deadletter.DeadLetterHeaders;

/**
 * Exchange headers the SQS source sets and the SQS sink reads, declared for Camel's component metadata
 * ({@code @UriEndpoint(headersClass)}).
 */
public final class SqsHeaders {

    /** Message group of a FIFO message: set by the source, read first by the sink. */
    @Metadata(description = "Message group of a FIFO message. Source: the message's group. Sink: the group to send"
            + " with, before kafka.KEY and the endpoint's messageGroupId", javaType = "String")
    public static final String MESSAGE_GROUP_ID = "InterchangeMessageGroupId";

    /** Deduplication id for a FIFO sink; overrides the CloudEvent id and the Kafka coordinates. */
    @Metadata(label = "producer", description = "Deduplication id of a FIFO message; without it the sink derives one"
            + " from the CloudEvent's source and id, else the Kafka record's coordinates, else a digest of body and"
            + " attributes", javaType = "String")
    public static final String MESSAGE_DEDUPLICATION_ID = "InterchangeMessageDeduplicationId";

    /**
     * Record key for camel-kafka: the source sets it to the message group, so an SQS -> Kafka route
     * keys records by group and a group stays in one partition, in order. The sink falls back to it
     * for the message group, so Kafka -> SQS FIFO keeps per-key order.
     */
    @Metadata(description = "Source: the message group, so records keyed by it keep its order on Kafka. Sink: the"
            + " message group when InterchangeMessageGroupId is not set", javaType = "String")
    public static final String KAFKA_KEY = "kafka.KEY";

    /** SQS bookkeeping of the received message (source only; the sink never sends {@code sqs.*}). */
    @Metadata(description = "Source: the received message's id. Sink: the id SQS gave the sent message",
            javaType = "String")
    public static final String MESSAGE_ID = "sqs.MESSAGE_ID";
    @Metadata(label = "consumer", description = "How often SQS handed the message out (ApproximateReceiveCount)",
            javaType = "Integer")
    public static final String APPROXIMATE_RECEIVE_COUNT = "sqs.APPROXIMATE_RECEIVE_COUNT";
    @Metadata(label = "consumer", description = "When the message was sent, epoch milliseconds", javaType = "Long")
    public static final String SENT_TIMESTAMP = "sqs.SENT_TIMESTAMP";
    @Metadata(label = "consumer", description = "The queue the message was received from, as the endpoint names it",
            javaType = "String")
    public static final String QUEUE = "sqs.QUEUE";

    @Metadata(label = "consumer", description = "1 for the first delivery of the message, counting up with each"
            + " receive (ApproximateReceiveCount)", javaType = "Integer")
    public static final String DELIVERY_ATTEMPT = DeadLetterHeaders.DELIVERY_ATTEMPT;

    private SqsHeaders() {
    }
}

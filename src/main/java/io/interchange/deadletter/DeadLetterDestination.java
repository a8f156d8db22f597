package io.interchange.deadletter;

import org.apache.camel.Endpoint;
import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.spi.InterceptSendToEndpoint;

import io.interchange.bridge.rabbitmq.RabbitEndpoint;
import io.interchange.bridge.sqs.SqsEndpoint;

/**
 * A route's dead-letter destination and what it can take, so that a dead letter is shaped to fit before
 * it is sent instead of being refused (and the source then re-reading its message for ever).
 *
 * @param maxBytes       largest message (body and headers) the destination takes
 * @param maxHeaderBytes largest total of header names and values (RabbitMQ's header frame must fit one
 *                       AMQP frame, 128 KiB by default)
 */
record DeadLetterDestination(String uri, Kind kind, int maxBytes, int maxHeaderBytes, boolean fifo) {

    enum Kind { KAFKA, RABBITMQ, SQS, OTHER }

    /** Kafka's default max.request.size (and, within a few bytes, the broker's message.max.bytes). */
    static final int KAFKA_DEFAULT_MAX = 1024 * 1024;
    /** RabbitMQ's default max_message_size. */
    static final int RABBITMQ_MAX = 128 * 1024 * 1024;
    /** RabbitMQ's default frame_max is 131072; the content header frame must fit in one frame. */
    static final int RABBITMQ_MAX_HEADER_BYTES = 64 * 1024;
    /** SQS's classic message limit, body and attributes together. */
    static final int SQS_MAX = 256 * 1024;

    static DeadLetterDestination of(String uri, Endpoint wrapped) {
        Endpoint endpoint = unwrap(wrapped);
        if (endpoint instanceof KafkaEndpoint kafka) {
            Integer max = kafka.getConfiguration().getMaxRequestSize();
            int bytes = max == null || max <= 0 ? KAFKA_DEFAULT_MAX : Math.min(max, KAFKA_DEFAULT_MAX * 64);
            return new DeadLetterDestination(uri, Kind.KAFKA, bytes, bytes / 2, false);
        }
        if (endpoint instanceof RabbitEndpoint rabbit) {
            int bytes = rabbit.getMaxBodyBytes() > 0 ? rabbit.getMaxBodyBytes() : RABBITMQ_MAX;
            return new DeadLetterDestination(uri, Kind.RABBITMQ, bytes, RABBITMQ_MAX_HEADER_BYTES, false);
        }
        if (endpoint instanceof SqsEndpoint sqs) {
            return new DeadLetterDestination(uri, Kind.SQS, sqs.getMaxMessageBytes(), sqs.getMaxMessageBytes(), sqs.isFifo());
        }
        if (endpoint instanceof Sqs2Endpoint sqs) {
            return new DeadLetterDestination(uri, Kind.SQS, SQS_MAX, SQS_MAX, sqs.getConfiguration().getQueueName() != null && sqs.getConfiguration().getQueueName().endsWith(".fifo"));
        }
        return new DeadLetterDestination(uri, Kind.OTHER, Integer.MAX_VALUE, Integer.MAX_VALUE, false);
    }

    /**
     * The endpoint behind an intercepted one: an interceptSendToEndpoint on the destination (a route file's,
     * or a route test's) wraps it, and the wrapper is not the broker's endpoint that says what fits.
     */
    static Endpoint unwrap(Endpoint endpoint) {
        return endpoint instanceof InterceptSendToEndpoint intercepted ? intercepted.getOriginalEndpoint() : endpoint;
    }
}

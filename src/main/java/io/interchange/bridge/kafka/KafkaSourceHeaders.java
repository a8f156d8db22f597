package io.interchange.bridge.kafka;

import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.spi.Metadata;

import io.interchange.deadletter.DeadLetterHeaders;

/**
 * Headers {@code interchange-kafka} sets on every exchange, declared for Camel's component metadata
 * ({@code @UriEndpoint(headersClass)}). The record coordinates keep camel-kafka's names, so steps written for
 * camel-kafka's consumer read them unchanged.
 */
public final class KafkaSourceHeaders {

    @Metadata(label = "consumer", description = "The record key, read as UTF-8 text; absent for a record without"
            + " a key. camel-kafka's producer and the interchange sinks take the key from it", javaType = "String")
    public static final String KEY = KafkaConstants.KEY;

    @Metadata(label = "consumer", description = "The topic the record was read from", javaType = "String")
    public static final String TOPIC = KafkaConstants.TOPIC;

    @Metadata(label = "consumer", description = "The record's partition", javaType = "Integer")
    public static final String PARTITION = KafkaConstants.PARTITION;

    @Metadata(label = "consumer", description = "The record's offset", javaType = "Long")
    public static final String OFFSET = KafkaConstants.OFFSET;

    @Metadata(label = "consumer", description = "The record's timestamp, epoch milliseconds", javaType = "Long")
    public static final String TIMESTAMP = KafkaConstants.TIMESTAMP;

    @Metadata(label = "consumer", description = "1 for the first delivery of the record, counting up each time it is"
            + " read again after a failure (kept in the commit metadata, so across rebalances and restarts)",
            javaType = "Integer")
    public static final String DELIVERY_ATTEMPT = DeadLetterHeaders.DELIVERY_ATTEMPT;

    @Metadata(label = "consumer", description = "On a record read again after a failure: when it failed first, epoch"
            + " milliseconds", javaType = "Long")
    public static final String FIRST_FAILURE = DeadLetterHeaders.FIRST_FAILURE;

    private KafkaSourceHeaders() {
    }
}

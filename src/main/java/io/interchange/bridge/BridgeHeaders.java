package io.interchange.bridge;

/**
 * Header names the bridge components share, so a key travels across brokers: the Kafka record key,
 * the SQS FIFO MessageGroupId and the AMQP application header {@code interchange-key} all map onto
 * {@link #KEY} inside a route.
 */
public final class BridgeHeaders {

    /** The ordering key inside a route; the same name camel-kafka's producer takes the record key from. */
    public static final String KEY = "kafka.KEY";

    /** Where the key rides on an AMQP message (an application header). */
    public static final String AMQP_KEY = "interchange-key";

    /** The routing key an AMQP message arrived with; the RabbitMQ sink publishes with it when set. */
    public static final String ROUTING_KEY = "InterchangeRoutingKey";

    /**
     * Exchange property: the CloudEvent's source and id ("source\nid"), set by the CloudEvents steps, so a
     * sink can derive a deduplication id whatever mode the event is written in.
     */
    public static final String EVENT_IDENTITY = "InterchangeEventIdentity";

    private BridgeHeaders() {
    }
}

package io.interchange.bridge.rabbitmq;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Metadata;

import io.interchange.bridge.BridgeHeaders;
import io.interchange.deadletter.DeadLetterHeaders;

/**
 * Headers {@code interchange-rabbitmq} sets as a source and reads as a sink, declared for Camel's component
 * metadata ({@code @UriEndpoint(headersClass)}).
 */
public final class RabbitHeaders {

    @Metadata(description = "The ordering key. Source: from the AMQP header " + BridgeHeaders.AMQP_KEY + ". Sink: sent"
            + " as the AMQP header " + BridgeHeaders.AMQP_KEY, javaType = "String")
    public static final String KEY = BridgeHeaders.KEY;

    @Metadata(description = "Source: the routing key the message arrived with. Sink: the routing key to publish"
            + " with, when the endpoint's useMessageRoutingKey is true", javaType = "String")
    public static final String ROUTING_KEY = BridgeHeaders.ROUTING_KEY;

    @Metadata(description = "Source: the message's content type. Sink: sent as its content-type property",
            javaType = "String")
    public static final String CONTENT_TYPE = Exchange.CONTENT_TYPE;

    @Metadata(label = "consumer", description = "1 for the first delivery of the message, counting up with each"
            + " redelivery after a failure", javaType = "Integer")
    public static final String DELIVERY_ATTEMPT = DeadLetterHeaders.DELIVERY_ATTEMPT;

    @Metadata(label = "consumer", description = "On a redelivered message this gateway saw fail: when it failed"
            + " first, epoch milliseconds", javaType = "Long")
    public static final String FIRST_FAILURE = DeadLetterHeaders.FIRST_FAILURE;

    private RabbitHeaders() {
    }
}

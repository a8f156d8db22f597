package io.interchange.bridge.rabbitmq;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

import com.rabbitmq.client.ConnectionFactory;

import io.interchange.security.IngressHeaders;

/**
 * As a sink the path names the exchange to publish to; as a source it names the queue to consume.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "interchange-rabbitmq",
        title = "Interchange RabbitMQ (at least once; pipelined)",
        syntax = "interchange-rabbitmq:destination", category = {Category.MESSAGING},
        headersClass = RabbitHeaders.class)
public class RabbitEndpoint extends DefaultEndpoint {

    private final ConnectionFactory connectionFactory;

    @UriPath(description = "The exchange to publish to (sink; empty for the default exchange), or the queue to"
            + " consume (source)")
    private final String destination;

    @UriParam(label = "consumer", defaultValue = "500", description = "Unacknowledged deliveries the broker hands"
            + " out at once (basic.qos); also how many messages are in flight in the route")
    private int prefetch = 500;

    @UriParam(label = "consumer", defaultValue = "33554432", description = "Bytes of deliveries the broker may push"
            + " at once: the prefetch shrinks to what fits with the largest recent message (RabbitMQ bounds by count"
            + " only), starting as if messages were 4 MiB and widening up to prefetch once they are seen to be small")
    private long maxInFlightBytes = 32L * 1024 * 1024;

    @UriParam(label = "consumer", defaultValue = "500", description = "First wait before a failed message is"
            + " requeued; doubles with each consecutive failure")
    private long retryBackoffMillis = 500;

    @UriParam(label = "consumer", defaultValue = "10000", description = "Longest wait before a failed message is requeued")
    private long maxRetryBackoffMillis = 10_000;

    @UriParam(label = "consumer", defaultValue = "20", description = "On a quorum queue, a message the broker"
            + " delivered more often than this (x-delivery-count) is dead-lettered without being processed again: it"
            + " is taken to stop the gateway. The count includes requeues after failures, so keep it well above"
            + " interchange.dead-letter.max-attempts. Classic queues keep no count across restarts")
    private int maxDeliveryCount = 20;

    @UriParam(label = "consumer", defaultValue = "30000", description = "On stop, how long to wait for deliveries in"
            + " the route to settle before the channel closes (the broker requeues what is left)")
    private long drainTimeoutMillis = 30_000;

    @UriParam(description = "Routing key of every publish")
    private String routingKey = "";

    @UriParam(defaultValue = "false", description = "Publish with the routing key the message arrived with (header"
            + " InterchangeRoutingKey, set by the RabbitMQ source) when it has one")
    private boolean useMessageRoutingKey;

    @UriParam(defaultValue = "true", description = "Publish with the mandatory flag: a message no queue takes fails")
    private boolean mandatory = true;

    @UriParam(defaultValue = "true", description = "Persistent delivery mode (survives a broker restart on durable queues)")
    private boolean persistent = true;

    @UriParam(defaultValue = "30000", description = "How long to wait for a confirm before failing the message")
    private long confirmTimeoutMillis = 30_000;

    @UriParam(defaultValue = "0", description = "Largest body accepted, in bytes; 0 for no limit. A larger one fails"
            + " with MessageTooLargeException, which error handling can send to a dead-letter destination")
    private int maxBodyBytes;

    @UriParam(label = "consumer", description = "Wire headers the route needs beyond the CloudEvents AMQP binding"
            + " (the prefixes cloudEvents: and cloudEvents_) and trace context: comma-separated names,"
            + " case-insensitive, a trailing asterisk for a prefix. Every other header is dropped before the first step"
            + " (interchange-key becomes the key);"
            + " a header that steers a component cannot be named")
    private String ingressHeaders;

    private IngressHeaders ingress;

    public RabbitEndpoint(String uri, RabbitComponent component, String destination,
            ConnectionFactory connectionFactory) {
        super(uri, component);
        this.destination = destination;
        this.connectionFactory = connectionFactory;
    }

    @Override
    public Producer createProducer() {
        return new RabbitSinkProducer(this, connectionFactory);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        RabbitSourceConsumer consumer = new RabbitSourceConsumer(this, processor, connectionFactory);
        configureConsumer(consumer);
        return consumer;
    }

    /** Fails endpoint creation, and so startup, when a declared header may not be admitted. */
    void checkIngress(String global) {
        ingress = IngressHeaders.of(IngressHeaders.AMQP, global, ingressHeaders);
    }

    IngressHeaders ingress() {
        return ingress;
    }

    public String getIngressHeaders() {
        return ingressHeaders;
    }

    public void setIngressHeaders(String ingressHeaders) {
        this.ingressHeaders = ingressHeaders;
    }

    public int getPrefetch() {
        return prefetch;
    }

    public void setPrefetch(int prefetch) {
        this.prefetch = prefetch;
    }

    public long getDrainTimeoutMillis() {
        return drainTimeoutMillis;
    }

    public void setDrainTimeoutMillis(long drainTimeoutMillis) {
        this.drainTimeoutMillis = drainTimeoutMillis;
    }

    public int getMaxDeliveryCount() {
        return maxDeliveryCount;
    }

    public void setMaxDeliveryCount(int maxDeliveryCount) {
        this.maxDeliveryCount = maxDeliveryCount;
    }

    public long getMaxInFlightBytes() {
        return maxInFlightBytes;
    }

    public void setMaxInFlightBytes(long maxInFlightBytes) {
        this.maxInFlightBytes = maxInFlightBytes;
    }

    public long getRetryBackoffMillis() {
        return retryBackoffMillis;
    }

    public void setRetryBackoffMillis(long retryBackoffMillis) {
        this.retryBackoffMillis = retryBackoffMillis;
    }

    public long getMaxRetryBackoffMillis() {
        return maxRetryBackoffMillis;
    }

    public void setMaxRetryBackoffMillis(long maxRetryBackoffMillis) {
        this.maxRetryBackoffMillis = maxRetryBackoffMillis;
    }

    /** The exchange a sink publishes to, or the queue a source consumes. */
    public String getDestination() {
        return destination;
    }

    public String getRoutingKey() {
        return routingKey;
    }

    public void setRoutingKey(String routingKey) {
        this.routingKey = routingKey;
    }

    public boolean isUseMessageRoutingKey() {
        return useMessageRoutingKey;
    }

    public void setUseMessageRoutingKey(boolean useMessageRoutingKey) {
        this.useMessageRoutingKey = useMessageRoutingKey;
    }

    public boolean isMandatory() {
        return mandatory;
    }

    public void setMandatory(boolean mandatory) {
        this.mandatory = mandatory;
    }

    public boolean isPersistent() {
        return persistent;
    }

    public void setPersistent(boolean persistent) {
        this.persistent = persistent;
    }

    public long getConfirmTimeoutMillis() {
        return confirmTimeoutMillis;
    }

    public void setConfirmTimeoutMillis(long confirmTimeoutMillis) {
        this.confirmTimeoutMillis = confirmTimeoutMillis;
    }

    public int getMaxBodyBytes() {
        return maxBodyBytes;
    }

    public void setMaxBodyBytes(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }
}

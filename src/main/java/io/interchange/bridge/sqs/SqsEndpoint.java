package io.interchange.bridge.sqs;

import java.util.concurrent.CompletableFuture;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;
import org.slf4j.LoggerFactory;

import io.interchange.security.HeaderAllowList;
import io.interchange.security.IngressHeaders;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Reads SQS at least once (a message is deleted only when its route completed) and sends to SQS asynchronously
 * with many messages in flight; FIFO queues keep the order of each message group on both sides.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "interchange-sqs", title = "Interchange SQS (at least once)",
        syntax = "interchange-sqs:queueName", category = {Category.MESSAGING, Category.CLOUD},
        headersClass = SqsHeaders.class)
public class SqsEndpoint extends DefaultEndpoint {

    /** SQS's limit on one message, body and attributes together (AWS has since allowed up to 1 MiB; ElasticMQ not). */
    static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

    @UriPath(description = "Queue name (a name ending in .fifo is a FIFO queue), or the queue's URL")
    private final String queueName;

    @UriParam(label = "consumer", defaultValue = "1", description = "Threads long-polling the queue (as aws2-sqs's"
            + " option of that name; concurrentPollers is its deprecated name)")
    private int concurrentConsumers = 1;

    @UriParam(label = "consumer", defaultValue = "30", description = "Visibility timeout of received messages, in"
            + " seconds (as aws2-sqs's option; visibilityTimeoutSeconds is its deprecated name). The source extends it"
            + " while a message is in flight, so only a gateway that died lets a message come back")
    private int visibilityTimeout = 30;

    @UriParam(label = "consumer", defaultValue = "20", description = "Long-poll wait, in seconds (0-20)")
    private int waitTimeSeconds = 20;

    @UriParam(label = "consumer", defaultValue = "100", description = "Messages handed to the route and not yet"
            + " completed, over all pollers, before polling pauses")
    private int maxInFlight = 100;

    @UriParam(label = "consumer", defaultValue = "33554432", description = "Bytes of messages handed to the route and"
            + " not yet completed, over all pollers, before polling pauses")
    private long maxInFlightBytes = 32L * 1024 * 1024;

    @UriParam(label = "consumer", defaultValue = "1", description = "Visibility timeout after the first failure,"
            + " in seconds; doubles with each receive of the message (ApproximateReceiveCount)")
    private int retryBackoffSeconds = 1;

    @UriParam(label = "consumer", defaultValue = "300", description = "Longest backoff after a failure, in seconds")
    private int maxRetryBackoffSeconds = 300;

    @UriParam(label = "consumer", defaultValue = "20", description = "A message received more often than this"
            + " (ApproximateReceiveCount) is dead-lettered without being processed again: it is taken to stop the"
            + " gateway. SQS counts every receive, outages and released FIFO messages too, so keep it well above"
            + " interchange.dead-letter.max-attempts")
    private int maxReceiveCount = 20;

    @UriParam(label = "consumer", defaultValue = "30000", description = "On stop, how long to wait for messages in flight")
    private long drainTimeoutMillis = 30_000;

    @UriParam(label = "producer", description = "Message group for a FIFO queue when neither the header"
            + " InterchangeMessageGroupId nor kafka.KEY is set; without any, a FIFO send fails")
    private String messageGroupId;

    @UriParam(label = "producer", defaultValue = HeaderAllowList.DEFAULT, description = "Headers sent as message"
            + " attributes: comma-separated names, case-insensitive, a trailing asterisk for a prefix; at most 10 are sent")
    private String allowedHeaders = HeaderAllowList.DEFAULT;

    @UriParam(label = "producer", defaultValue = "262144", description = "Largest message, body plus attributes, in"
            + " bytes; a larger one fails with MessageTooLargeException without calling SQS")
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

    @UriParam(label = "consumer", description = "Message attributes the route needs beyond the gateway's CloudEvents"
            + " SQS mapping (the ce_ prefix, content-type) and trace context: comma-separated names, case-insensitive,"
            + " a trailing asterisk for a prefix. Every other attribute is dropped before the first step; a header that steers a"
            + " component cannot be named")
    private String ingressHeaders;

    private IngressHeaders ingress;

    private volatile CompletableFuture<String> queueUrl;

    public SqsEndpoint(String uri, SqsComponent component, String queueName) {
        super(uri, component);
        this.queueName = queueName;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        SqsSourceConsumer consumer = new SqsSourceConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public Producer createProducer() {
        return new SqsSinkProducer(this);
    }

    SqsAsyncClient client() {
        return ((SqsComponent) getComponent()).client();
    }

    public boolean isFifo() {
        return queueName.endsWith(".fifo");
    }

    /** The queue URL, looked up once; a failed lookup (queue missing, SQS unreachable) is tried again next time. */
    CompletableFuture<String> queueUrl() {
        CompletableFuture<String> url = queueUrl;
        if (url != null && !url.isCompletedExceptionally()) {
            return url;
        }
        synchronized (this) {
            if (queueUrl == null || queueUrl.isCompletedExceptionally()) {
                queueUrl = queueName.startsWith("https://") || queueName.startsWith("http://")
                        ? CompletableFuture.completedFuture(queueName)
                        : client().getQueueUrl(r -> r.queueName(queueName)).thenApply(r -> r.queueUrl());
            }
            return queueUrl;
        }
    }

    /** Fails endpoint creation, and so startup, when a declared header may not be admitted. */
    void checkIngress(String global) {
        ingress = IngressHeaders.of(IngressHeaders.SQS, global, ingressHeaders);
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

    public String getQueueName() {
        return queueName;
    }

    public int getConcurrentConsumers() {
        return concurrentConsumers;
    }

    public void setConcurrentConsumers(int concurrentConsumers) {
        this.concurrentConsumers = concurrentConsumers;
    }

    /** The old name of {@link #setConcurrentConsumers}, still accepted. */
    public void setConcurrentPollers(int concurrentPollers) {
        deprecated("concurrentPollers", "concurrentConsumers");
        this.concurrentConsumers = concurrentPollers;
    }

    public int getVisibilityTimeout() {
        return visibilityTimeout;
    }

    public void setVisibilityTimeout(int visibilityTimeout) {
        this.visibilityTimeout = visibilityTimeout;
    }

    /** The old name of {@link #setVisibilityTimeout}, still accepted. */
    public void setVisibilityTimeoutSeconds(int visibilityTimeoutSeconds) {
        deprecated("visibilityTimeoutSeconds", "visibilityTimeout");
        this.visibilityTimeout = visibilityTimeoutSeconds;
    }

    private void deprecated(String old, String current) {
        LoggerFactory.getLogger(SqsEndpoint.class).warn("interchange-sqs:{}: option '{}' is deprecated, use '{}'",
                queueName, old, current);
    }

    public int getWaitTimeSeconds() {
        return waitTimeSeconds;
    }

    public void setWaitTimeSeconds(int waitTimeSeconds) {
        this.waitTimeSeconds = waitTimeSeconds;
    }

    public int getMaxInFlight() {
        return maxInFlight;
    }

    public void setMaxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    public long getMaxInFlightBytes() {
        return maxInFlightBytes;
    }

    public void setMaxInFlightBytes(long maxInFlightBytes) {
        this.maxInFlightBytes = maxInFlightBytes;
    }

    public int getRetryBackoffSeconds() {
        return retryBackoffSeconds;
    }

    public void setRetryBackoffSeconds(int retryBackoffSeconds) {
        this.retryBackoffSeconds = retryBackoffSeconds;
    }

    public int getMaxRetryBackoffSeconds() {
        return maxRetryBackoffSeconds;
    }

    public void setMaxRetryBackoffSeconds(int maxRetryBackoffSeconds) {
        this.maxRetryBackoffSeconds = maxRetryBackoffSeconds;
    }

    public int getMaxReceiveCount() {
        return maxReceiveCount;
    }

    public void setMaxReceiveCount(int maxReceiveCount) {
        this.maxReceiveCount = maxReceiveCount;
    }

    public long getDrainTimeoutMillis() {
        return drainTimeoutMillis;
    }

    public void setDrainTimeoutMillis(long drainTimeoutMillis) {
        this.drainTimeoutMillis = drainTimeoutMillis;
    }

    public String getMessageGroupId() {
        return messageGroupId;
    }

    public void setMessageGroupId(String messageGroupId) {
        this.messageGroupId = messageGroupId;
    }

    public String getAllowedHeaders() {
        return allowedHeaders;
    }

    public void setAllowedHeaders(String allowedHeaders) {
        this.allowedHeaders = allowedHeaders;
    }

    public int getMaxMessageBytes() {
        return maxMessageBytes;
    }

    public void setMaxMessageBytes(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }
}

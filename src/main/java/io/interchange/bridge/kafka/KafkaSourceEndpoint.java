package io.interchange.bridge.kafka;

import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.interchange.security.IngressHeaders;

/**
 * Reads Kafka at least once with many records in flight: a record's offset is committed, per partition, only
 * when its route and every record before it completed; a failed record rewinds its partition after a backoff.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "interchange-kafka",
        title = "Interchange Kafka source (pipelined; at least once)", syntax = "interchange-kafka:topics",
        consumerOnly = true, category = {Category.MESSAGING}, headersClass = KafkaSourceHeaders.class)
public class KafkaSourceEndpoint extends DefaultEndpoint {

    @UriPath(description = "Topic, or comma-separated topics, to read")
    private final String topics;

    @UriParam(description = "Consumer group; required. A new group starts at the earliest offset")
    private String groupId;

    @UriParam(defaultValue = "1", description = "Poll threads, each a member of the group")
    private int consumersCount = 1;

    @UriParam(defaultValue = "2000", description = "Records handed to the route and not yet completed, per poll"
            + " thread, before its partitions are paused")
    private int maxInFlight = 2_000;

    @UriParam(defaultValue = "33554432", description = "Bytes of records (values and headers) handed to the route and"
            + " not yet completed, per poll thread, before its partitions are paused; a record larger than this"
            + " still goes, alone. Also caps the consumer's fetch.max.bytes, so memory stays bounded with large records")
    private long maxInFlightBytes = 32L * 1024 * 1024;

    @UriParam(defaultValue = "500", description = "max.poll.records")
    private int maxPollRecords = 500;

    @UriParam(defaultValue = "200", description = "How often completed offsets are committed, in milliseconds")
    private long commitIntervalMillis = 200;

    @UriParam(defaultValue = "500", description = "First wait before a failed record is read again; doubles per attempt")
    private long retryBackoffMillis = 500;

    @UriParam(defaultValue = "10000", description = "Longest wait between attempts at a failed record")
    private long maxRetryBackoffMillis = 10_000;

    @UriParam(defaultValue = "30000", description = "On stop or rebalance, how long to wait for records in flight")
    private long drainTimeoutMillis = 30_000;

    @UriParam(description = "Wire headers the route needs beyond the CloudEvents Kafka binding (the ce_ prefix,"
            + " content-type) and trace context: comma-separated names, case-insensitive, a trailing asterisk for a"
            + " prefix. Every other header is dropped before the first step; a header that steers a component cannot be named")
    private String ingressHeaders;

    private IngressHeaders ingress;

    public KafkaSourceEndpoint(String uri, KafkaSourceComponent component, String topics) {
        super(uri, component);
        this.topics = topics;
    }

    /** Fails endpoint creation, and so startup, when a declared header may not be admitted. */
    void checkIngress(String global) {
        ingress = IngressHeaders.of(IngressHeaders.KAFKA, global, ingressHeaders);
    }

    IngressHeaders ingress() {
        return ingress;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        KafkaSourceConsumer consumer = new KafkaSourceConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("interchange-kafka is a source; produce with the kafka component");
    }

    List<String> topicList() {
        return Arrays.stream(topics.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
    }

    /** Connection settings of camel-kafka, with what at-least-once needs forced on top. */
    Properties kafkaProperties(String clientId) {
        KafkaConfiguration kafka = getCamelContext().getComponent("kafka", KafkaComponent.class).getConfiguration();
        Properties properties = kafka.createConsumerProperties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords));
        // What the consumer buffers beside what is in flight: at most one window's worth per fetch.
        long fetchMax = Long.parseLong(String.valueOf(properties.getOrDefault(ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
                ConsumerConfig.DEFAULT_FETCH_MAX_BYTES)));
        properties.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(Math.max(1, Math.min(fetchMax, maxInFlightBytes))));
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return properties;
    }

    public String getTopics() {
        return topics;
    }

    public String getGroupId() {
        return groupId;
    }

    public void setGroupId(String groupId) {
        this.groupId = groupId;
    }

    public int getConsumersCount() {
        return consumersCount;
    }

    public void setConsumersCount(int consumersCount) {
        this.consumersCount = consumersCount;
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

    public int getMaxPollRecords() {
        return maxPollRecords;
    }

    public void setMaxPollRecords(int maxPollRecords) {
        this.maxPollRecords = maxPollRecords;
    }

    public long getCommitIntervalMillis() {
        return commitIntervalMillis;
    }

    public void setCommitIntervalMillis(long commitIntervalMillis) {
        this.commitIntervalMillis = commitIntervalMillis;
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

    public long getDrainTimeoutMillis() {
        return drainTimeoutMillis;
    }

    public void setDrainTimeoutMillis(long drainTimeoutMillis) {
        this.drainTimeoutMillis = drainTimeoutMillis;
    }

    public String getIngressHeaders() {
        return ingressHeaders;
    }

    public void setIngressHeaders(String ingressHeaders) {
        this.ingressHeaders = ingressHeaders;
    }
}

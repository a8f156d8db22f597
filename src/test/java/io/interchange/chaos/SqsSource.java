package io.interchange.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.SqsBroker;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * A FIFO queue of CloudEvents in the gateway's SQS mapping ({@code ce_*} attributes), the key as MessageGroupId and
 * the event id as deduplication id; its backlog is every message visible or in flight.
 */
final class SqsSource implements Source {

    private final SqsBroker sqs;
    private final String queue;
    private final Records records;
    private SqsClient client;
    private String url;

    SqsSource(SqsBroker sqs, String queue, Records records) {
        this.sqs = sqs;
        this.queue = queue;
        this.records = records;
    }

    @Override
    public void create() {
        client = sqs.sqsClient();
        url = SqsQueues.create(client, queue, false);
    }

    @Override
    public void send(int from, int to) {
        for (int start = from; start < to; start += 10) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>(10);
            for (int i = start; i < Math.min(to, start + 10); i++) {
                batch.add(SendMessageBatchRequestEntry.builder().id("m" + (i - start)).messageGroupId(records.key(i))
                        .messageDeduplicationId(records.id(i)).messageBody(records.data(i))
                        .messageAttributes(attributes(i)).build());
            }
            SendMessageBatchResponse response = client.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
            if (!response.failed().isEmpty()) {
                throw new IllegalStateException("SQS refused " + response.failed());
            }
        }
    }

    private Map<String, MessageAttributeValue> attributes(int index) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        Map.of("ce_specversion", "1.0", "ce_id", records.id(index), "ce_source", records.source(),
                "ce_type", Records.TYPE, "content-type", "text/plain")
                .forEach((name, value) -> attributes.put(name, SqsQueues.text(value)));
        return attributes;
    }

    @Override
    public long backlog() {
        return SqsQueues.size(client, url);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}

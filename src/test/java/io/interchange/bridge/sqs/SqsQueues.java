package io.interchange.bridge.sqs;

import java.util.HashMap;
import java.util.Map;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Queue set-up and inspection for integration tests against ElasticMQ. */
public final class SqsQueues {

    private SqsQueues() {
    }

    /** Creates the queue (FIFO if the name ends in .fifo) and returns its URL. */
    public static String create(SqsClient sqs, String name, boolean contentBasedDeduplication) {
        Map<QueueAttributeName, String> attributes = new HashMap<>();
        if (name.endsWith(".fifo")) {
            attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
            attributes.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, String.valueOf(contentBasedDeduplication));
        }
        return sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
    }

    /** A binary-mode CloudEvent's message attributes in the gateway's SQS mapping, its data text/plain. */
    public static Map<String, MessageAttributeValue> eventAttributes(String id) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        Map.of("ce_specversion", "1.0", "ce_id", id, "ce_source", "/orders/order-service",
                "ce_type", "com.example.orders.order.created", "content-type", "text/plain")
                .forEach((name, value) -> attributes.put(name, text(value)));
        return attributes;
    }

    public static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    /** Messages in the queue, visible or in flight. */
    public static int size(SqsClient sqs, String url) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }
}

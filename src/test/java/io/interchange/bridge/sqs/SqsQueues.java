package io.interchange.bridge.sqs;

import java.util.HashMap;
import java.util.Map;

import software.amazon.awssdk.services.sqs.SqsClient;
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

    /** Messages in the queue, visible or in flight. */
    public static int size(SqsClient sqs, String url) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }
}

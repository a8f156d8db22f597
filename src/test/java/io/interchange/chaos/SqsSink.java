package io.interchange.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.SqsBroker;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A FIFO queue the gateway sends to, read and deleted by two receivers (SQS hands a group to one receiver at a
 * time, so each group is read in order). A message the reader receives again (its delete was lost in an outage)
 * has the same MessageId and is the reader's own repeat; a duplicate the gateway sent has a new one.
 */
final class SqsSink implements Sink {

    private static final int READERS = 2;

    private final SqsBroker sqs;
    private final String queue;
    private final Records records;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final List<Thread> readers = new ArrayList<>();
    private volatile boolean reading = true;
    private SqsClient client;
    private String url;

    SqsSink(SqsBroker sqs, String queue, Records records) {
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
    public void read(Arrivals arrivals) {
        for (int r = 0; r < READERS; r++) {
            Thread reader = new Thread(() -> receive(arrivals), "chaos-sqs-sink-" + queue + "-" + r);
            readers.add(reader);
            reader.start();
        }
    }

    private void receive(Arrivals arrivals) {
        while (reading) {
            try {
                List<Message> messages = client.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                        .waitTimeSeconds(1).visibilityTimeout(60)).messages();
                if (messages.isEmpty()) {
                    continue;
                }
                List<DeleteMessageBatchRequestEntry> delete = new ArrayList<>(messages.size());
                for (Message message : messages) {
                    boolean again = !seen.add(message.messageId());
                    arrivals.arrived(records.index(message.body()), again);
                    delete.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(delete.size()))
                            .receiptHandle(message.receiptHandle()).build());
                }
                client.deleteMessageBatch(r -> r.queueUrl(url).entries(delete));
            } catch (RuntimeException e) {
                pause(); // SQS is away (an outage under test): receive again shortly
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean caughtUp() {
        return SqsQueues.size(client, url) == 0;
    }

    @Override
    public void close() {
        reading = false;
        for (Thread reader : readers) {
            try {
                reader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (client != null) {
            client.close();
        }
    }
}

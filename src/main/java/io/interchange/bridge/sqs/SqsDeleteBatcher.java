package io.interchange.bridge.sqs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;

/**
 * Deletes completed messages with DeleteMessageBatch: whatever completed while the previous batch
 * was being sent goes in the next (up to 10), so under load deletes are batched and when idle a
 * message is deleted at once. A delete that fails is only logged: the message is delivered again
 * after its visibility timeout (a duplicate, never a loss).
 */
final class SqsDeleteBatcher implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SqsDeleteBatcher.class);
    private static final int MAX_BATCH = 10;
    private static final int MAX_CONCURRENT_BATCHES = 4;

    private record Entry(String queueUrl, String receiptHandle) {
    }

    private final SqsAsyncClient client;
    private final String routeId;
    private final LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final Semaphore batches = new Semaphore(MAX_CONCURRENT_BATCHES);
    private final AtomicLong deleted = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;

    SqsDeleteBatcher(SqsAsyncClient client, String routeId) {
        this.client = client;
        this.routeId = routeId;
    }

    void start() {
        thread = new Thread(this, "interchange-sqs-delete-" + routeId);
        thread.setDaemon(true);
        thread.start();
    }

    void delete(String queueUrl, String receiptHandle) {
        queue.add(new Entry(queueUrl, receiptHandle));
    }

    /** Messages SQS confirmed deleted; for metrics and tests. */
    long deleted() {
        return deleted.get();
    }

    @Override
    public void run() {
        while (running || !queue.isEmpty()) {
            try {
                Entry first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Entry> batch = new ArrayList<>(MAX_BATCH);
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                send(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void send(List<Entry> batch) throws InterruptedException {
        Map<String, List<DeleteMessageBatchRequestEntry>> byQueue = new LinkedHashMap<>();
        for (Entry entry : batch) {
            List<DeleteMessageBatchRequestEntry> entries = byQueue.computeIfAbsent(entry.queueUrl(), u -> new ArrayList<>());
            entries.add(DeleteMessageBatchRequestEntry.builder()
                    .id(String.valueOf(entries.size())).receiptHandle(entry.receiptHandle()).build());
        }
        for (Map.Entry<String, List<DeleteMessageBatchRequestEntry>> e : byQueue.entrySet()) {
            batches.acquire();
            int size = e.getValue().size();
            client.deleteMessageBatch(r -> r.queueUrl(e.getKey()).entries(e.getValue())).whenComplete((response, error) -> {
                batches.release();
                if (error != null) {
                    LOG.warn("Route '{}': deleting {} completed SQS messages failed; they will be delivered again: {}",
                            routeId, size, error.getMessage());
                    return;
                }
                deleted.addAndGet(response.successful().size());
                if (!response.failed().isEmpty()) {
                    LOG.warn("Route '{}': SQS did not delete {} completed messages; they will be delivered again: {}",
                            routeId, response.failed().size(), response.failed().get(0).message());
                }
            });
        }
    }

    /** Sends what is queued and waits, bounded, for the batches in flight. */
    void stop(long timeoutMillis) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(timeoutMillis);
        }
        if (batches.tryAcquire(MAX_CONCURRENT_BATCHES, timeoutMillis, TimeUnit.MILLISECONDS)) {
            batches.release(MAX_CONCURRENT_BATCHES);
        } else {
            LOG.warn("Route '{}': stopped with SQS deletes unanswered; those messages may be delivered again", routeId);
        }
    }
}

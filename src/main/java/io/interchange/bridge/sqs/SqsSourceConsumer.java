package io.interchange.bridge.sqs;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.interchange.bridge.Backoff;
import io.interchange.bridge.BridgeMetrics;
import io.interchange.bridge.InFlightWindow;
import io.interchange.bridge.SourceHealth;
import io.interchange.bridge.SourceSupervision;
import io.interchange.deadletter.DeadLetterHeaders;
import io.interchange.observability.TraceContext;
import io.interchange.security.IngressHeaders;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Long-polling threads that hand every received message to the route without waiting for the one
 * before, and delete a message only after its exchange completed. A failed exchange (after the
 * route's own error handling) is not deleted: its visibility timeout is set to a backoff that
 * doubles with each receive, so SQS delivers it again (and, with a redrive policy, moves it to a
 * dead-letter queue after maxReceiveCount). On a FIFO queue the messages of one group in a batch
 * are processed one after the other; after a failure the rest of its group is released unprocessed,
 * and SQS delivers the group again from the failed message.
 */
public class SqsSourceConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(SqsSourceConsumer.class);

    /** SQS's upper bound for ChangeMessageVisibility: 12 hours. */
    private static final int MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

    private static final List<MessageSystemAttributeName> SYSTEM_ATTRIBUTES = List.of(
            MessageSystemAttributeName.MESSAGE_GROUP_ID, MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
            MessageSystemAttributeName.SENT_TIMESTAMP);

    private final SqsEndpoint endpoint;
    private InFlightWindow window;
    private BridgeMetrics metrics;
    private final List<Poller> pollers = new ArrayList<>();
    private SqsDeleteBatcher deleter;
    private volatile boolean running;
    private SourceSupervision supervision;
    private SourceHealth health;
    private ScheduledExecutorService keeper;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private volatile long queueDepth = -1;

    public SqsSourceConsumer(SqsEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        supervision = ((SqsComponent) endpoint.getComponent()).getSupervision();
        health = supervision.health(getRouteId());
        window = new InFlightWindow(endpoint.getMaxInFlight(), endpoint.getMaxInFlightBytes());
        health.backlog(() -> queueDepth < 0 ? -1 : queueDepth + window.messages());
        health.attach(this, (SqsComponent) endpoint.getComponent());
        metrics = BridgeMetrics.of(getEndpoint().getCamelContext(), getRouteId(), "sqs", this::inFlight, health);
        running = true;
        deleter = new SqsDeleteBatcher(endpoint.client(), getRouteId());
        deleter.start();
        keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "interchange-sqs-visibility-" + getRouteId());
            t.setDaemon(true);
            return t;
        });
        keeper.scheduleWithFixedDelay(this::keepInvisible, 250, 250, TimeUnit.MILLISECONDS);
        keeper.scheduleWithFixedDelay(this::measureDepth, 0, 10, TimeUnit.SECONDS);
        for (int i = 0; i < endpoint.getConcurrentConsumers(); i++) {
            Poller poller = new Poller();
            poller.thread = new Thread(poller, "interchange-sqs-" + getRouteId() + "-" + i);
            pollers.add(poller);
            poller.thread.start();
        }
    }

    @Override
    protected void doStop() throws Exception {
        running = false;
        window.wakeAll();
        // A cancelled long poll may have taken messages: they come back after their visibility timeout.
        pollers.forEach(Poller::cancel);
        for (Poller poller : pollers) {
            poller.thread.join(10_000);
        }
        pollers.clear();
        if (!window.awaitEmpty(endpoint.getDrainTimeoutMillis())) {
            LOG.warn("Route '{}' stopped with {} SQS messages in flight; they will be delivered again", getRouteId(),
                    window.messages());
        }
        deleter.stop(10_000);
        keeper.shutdownNow();
        held.clear();
        health.stopped();
        health.detach(this);
        super.doStop();
    }

    /** Messages handed to the route and not yet completed; for metrics and tests. */
    public int inFlight() {
        return window == null ? 0 : window.messages();
    }

    /** Messages deleted after their exchange completed; for metrics and tests. */
    public long deleted() {
        return deleter == null ? 0 : deleter.deleted();
    }

    private final class Poller implements Runnable {

        private volatile CompletableFuture<ReceiveMessageResponse> current;
        private Thread thread;

        void cancel() {
            CompletableFuture<ReceiveMessageResponse> receive = current;
            if (receive != null) {
                receive.cancel(true);
            }
        }

        @Override
        public void run() {
            int failures = 0;
            while (running) {
                int free = awaitRoom();
                if (!running) {
                    return;
                }
                try {
                    String url = endpoint.queueUrl().get(60, TimeUnit.SECONDS);
                    CompletableFuture<ReceiveMessageResponse> receive = endpoint.client().receiveMessage(request(url,
                            Math.min(10, free)));
                    current = receive;
                    if (!running) {
                        receive.cancel(true);
                        return;
                    }
                    List<Message> messages = receive.get().messages();
                    failures = 0;
                    health.running();
                    dispatch(url, messages);
                } catch (CancellationException e) {
                    // stopping
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Throwable e) {
                    // anything, an Error from a step included: the poller is this source; it must not end
                    if (!running) {
                        return;
                    }
                    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                    health.restarting(cause);
                    long backoffMillis = supervision.backoffMillis(++failures);
                    LOG.warn("Route '{}': receiving from SQS queue '{}' failed, trying again in {} ms: {}", getRouteId(),
                            endpoint.getQueueName(), backoffMillis, cause.toString());
                    sleep(backoffMillis);
                }
            }
        }

        private ReceiveMessageRequest request(String url, int max) {
            return ReceiveMessageRequest.builder()
                    .queueUrl(url)
                    .maxNumberOfMessages(max)
                    // Until a receive has succeeded (at start, after a failure) it is a short poll: a long poll of
                    // an empty queue answers only after waitTimeSeconds, and the source is not ready before an
                    // answer, so readiness would lag the reachable broker by up to 20 s.
                    .waitTimeSeconds(health.state() == SourceHealth.State.RUNNING ? endpoint.getWaitTimeSeconds() : 0)
                    .visibilityTimeout(endpoint.getVisibilityTimeout())
                    .messageAttributeNames("All")
                    .messageSystemAttributeNames(SYSTEM_ATTRIBUTES)
                    .build();
        }
    }

    /** Waits for room in the window (re-checking a stop each second); how many messages a receive may take. */
    private int awaitRoom() {
        try {
            while (running && !window.awaitRoom(1_000)) {
                // still full
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return window.room();
    }

    private void settled(int count, long bytes) {
        window.remove(count, bytes);
    }

    private void dispatch(String url, List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        window.add(messages.size(), messages.stream().mapToLong(SqsSourceConsumer::size).sum());
        long invisibleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(endpoint.getVisibilityTimeout());
        for (Message m : messages) {
            held.put(m.receiptHandle(), new Held(url, invisibleUntil));
        }
        if (!endpoint.isFifo()) {
            messages.forEach(m -> process(url, m, null));
            return;
        }
        // One message of a group at a time: the next starts when the one before completed.
        Map<String, Deque<Message>> groups = new LinkedHashMap<>();
        for (Message m : messages) {
            String group = m.attributes().getOrDefault(MessageSystemAttributeName.MESSAGE_GROUP_ID, m.messageId());
            groups.computeIfAbsent(group, g -> new ArrayDeque<>()).add(m);
        }
        groups.values().forEach(group -> processNext(url, group));
    }

    private void processNext(String url, Deque<Message> group) {
        Message next = group.poll();
        if (next != null) {
            process(url, next, group);
        }
    }

    private void process(String url, Message message, Deque<Message> restOfGroup) {
        Exchange exchange;
        try {
            exchange = createExchange(false);
            fill(exchange, message);
        } catch (RuntimeException e) {
            failed(url, message, restOfGroup, e, "");
            return;
        }
        metrics.received();
        getAsyncProcessor().process(exchange, doneSync -> {
            boolean failed = exchange.isFailed() || exchange.isRollbackOnly();
            Exception cause = exchange.getException();
            String trace = failed ? TraceContext.logSuffix(exchange) : "";
            releaseExchange(exchange, false);
            if (failed) {
                metrics.failed();
                metrics.redelivered(1);
                failed(url, message, restOfGroup, cause, trace);
            } else {
                String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
                metrics.completed(sent == null ? 0 : Long.parseLong(sent));
                held.remove(message.receiptHandle());
                deleter.delete(url, message.receiptHandle());
                settled(1, size(message));
                health.progress();
                if (restOfGroup != null) {
                    processNext(url, restOfGroup);
                }
            }
        });
    }

    private void fill(Exchange exchange, Message message) {
        org.apache.camel.Message in = exchange.getMessage();
        in.setBody(message.body() == null ? new byte[0] : message.body().getBytes(StandardCharsets.UTF_8));
        IngressHeaders.Admission admission = endpoint.ingress().admit(in);
        for (Map.Entry<String, MessageAttributeValue> attribute : message.messageAttributes().entrySet()) {
            admission.put(attribute.getKey(), value(attribute.getValue()));
        }
        admission.finish(exchange);
        Map<MessageSystemAttributeName, String> system = message.attributes();
        in.setHeader(SqsHeaders.MESSAGE_ID, message.messageId());
        in.setHeader(SqsHeaders.QUEUE, endpoint.getQueueName());
        in.setHeader(SqsHeaders.APPROXIMATE_RECEIVE_COUNT, receiveCount(message));
        int receives = receiveCount(message);
        in.setHeader(DeadLetterHeaders.DELIVERY_ATTEMPT, receives);
        if (receives > endpoint.getMaxReceiveCount()) {
            exchange.setProperty(DeadLetterHeaders.UNSETTLED_ATTEMPTS, receives - 1);
        }
        String sent = system.get(MessageSystemAttributeName.SENT_TIMESTAMP);
        if (sent != null) {
            in.setHeader(SqsHeaders.SENT_TIMESTAMP, Long.valueOf(sent));
        }
        String group = system.get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
        if (group != null) {
            in.setHeader(SqsHeaders.MESSAGE_GROUP_ID, group);
            in.setHeader(SqsHeaders.KAFKA_KEY, group);
        }
    }

    /**
     * String attributes as text, Number attributes as numbers and Binary ones as bytes (custom types such as
     * {@code Number.int} by their base type), so a reader can tell a Number from a String.
     */
    private static Object value(MessageAttributeValue value) {
        String type = value.dataType() == null ? "String" : value.dataType();
        if (type.startsWith("Binary")) {
            return value.binaryValue() == null ? new byte[0] : value.binaryValue().asByteArray();
        }
        if (type.startsWith("Number") && value.stringValue() != null) {
            try {
                return new BigDecimal(value.stringValue().strip());
            } catch (NumberFormatException e) {
                return value.stringValue();
            }
        }
        return value.stringValue();
    }

    /** A received message not settled yet: its queue and until when SQS keeps it invisible. */
    private record Held(String url, long invisibleUntilNanos) {
    }

    /**
     * Extends the visibility of every message still in flight (in the route, or queued behind its FIFO group)
     * before it runs out, so SQS never hands it to another poller or gateway while this one works on it: a slow
     * sink cannot cause a second, concurrent delivery (reordering a group, duplicating). Four times a second,
     * once a third of the visibility timeout has passed.
     */
    private void keepInvisible() {
        try {
            long timeout = TimeUnit.SECONDS.toNanos(endpoint.getVisibilityTimeout());
            long soon = System.nanoTime() + timeout * 2 / 3;
            Map<String, List<ChangeMessageVisibilityBatchRequestEntry>> byQueue = new LinkedHashMap<>();
            for (Map.Entry<String, Held> entry : held.entrySet()) {
                Held h = entry.getValue();
                if (h.invisibleUntilNanos() - soon < 0) {
                    List<ChangeMessageVisibilityBatchRequestEntry> batch = byQueue.computeIfAbsent(h.url(), u -> new ArrayList<>());
                    batch.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(String.valueOf(batch.size()))
                            .receiptHandle(entry.getKey()).visibilityTimeout(endpoint.getVisibilityTimeout()).build());
                    held.replace(entry.getKey(), h, new Held(h.url(), System.nanoTime() + timeout));
                }
            }
            byQueue.forEach((url, entries) -> {
                for (int i = 0; i < entries.size(); i += 10) {
                    List<ChangeMessageVisibilityBatchRequestEntry> chunk = entries.subList(i, Math.min(entries.size(), i + 10));
                    endpoint.client().changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(chunk))
                            .whenComplete((response, error) -> {
                                if (error != null) {
                                    LOG.warn("Route '{}': could not extend the visibility of {} SQS messages in flight: {}",
                                            getRouteId(), chunk.size(), error.getMessage());
                                }
                            });
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Route '{}': extending the visibility of SQS messages in flight failed: {}", getRouteId(), e.getMessage());
        }
    }

    /** The queue's depth for the backlog gauge and readiness, every ten seconds. */
    private void measureDepth() {
        CompletableFuture<String> url = endpoint.queueUrl();
        if (!url.isDone() || url.isCompletedExceptionally()) {
            return;
        }
        endpoint.client().getQueueAttributes(r -> r.queueUrl(url.join())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .whenComplete((response, error) -> {
                    String depth = error == null ? response.attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES) : null;
                    queueDepth = depth == null ? -1 : Long.parseLong(depth);
                    if (error == null) {
                        health.beat();
                    }
                });
    }

    /** What a message holds in memory: body and attribute values, roughly in bytes. */
    private static long size(Message message) {
        long size = message.body() == null ? 0 : message.body().length();
        for (Map.Entry<String, MessageAttributeValue> attribute : message.messageAttributes().entrySet()) {
            MessageAttributeValue value = attribute.getValue();
            size += attribute.getKey().length() + (value.stringValue() != null ? value.stringValue().length()
                    : value.binaryValue() != null ? value.binaryValue().asByteArray().length : 0);
        }
        return size;
    }

    private static int receiveCount(Message message) {
        String count = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        try {
            return count == null ? 1 : Math.max(1, Integer.parseInt(count));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Not deleted: visible again after a backoff; the rest of its FIFO group is released unprocessed. */
    private void failed(String url, Message message, Deque<Message> restOfGroup, Exception cause, String trace) {
        int receives = receiveCount(message);
        long backoff = new Backoff(endpoint.getRetryBackoffSeconds(), endpoint.getMaxRetryBackoffSeconds()).after(receives);
        int seconds = (int) Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, backoff));
        LOG.warn("Route '{}' failed on SQS message {} of '{}' (receive {}); it is delivered again in {} s: {}{}",
                getRouteId(), message.messageId(), endpoint.getQueueName(), receives, seconds,
                cause == null ? "rolled back" : cause.getMessage(), trace);
        changeVisibility(url, message, seconds);
        int released = 0;
        long bytes = size(message);
        held.remove(message.receiptHandle());
        if (restOfGroup != null) {
            for (Message later; (later = restOfGroup.poll()) != null; released++) {
                held.remove(later.receiptHandle());
                // SQS keeps the group behind the failed message, so these come back after it, in order.
                changeVisibility(url, later, 0);
                bytes += size(later);
            }
        }
        settled(1 + released, bytes);
    }

    private void changeVisibility(String url, Message message, int seconds) {
        endpoint.client().changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(message.receiptHandle())
                .visibilityTimeout(seconds)).whenComplete((response, error) -> {
                    if (error != null) {
                        LOG.warn("Route '{}': could not change the visibility of SQS message {}; it is delivered again"
                                + " after its visibility timeout: {}", getRouteId(), message.messageId(), error.getMessage());
                    }
                });
    }

    private void sleep(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (running && until - System.nanoTime() > 0) {
            try {
                Thread.sleep(Math.min(200, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

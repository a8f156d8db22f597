package io.interchange.bridge.rabbitmq;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.ShutdownSignalException;

import io.interchange.bridge.BridgeHeaders;
import io.interchange.bridge.Backoff;
import io.interchange.bridge.BridgeMetrics;
import io.interchange.bridge.InFlightWindow;
import io.interchange.bridge.SourceHealth;
import io.interchange.bridge.SourceSupervision;
import io.interchange.deadletter.DeadLetterHeaders;
import io.interchange.observability.TraceContext;
import io.interchange.security.IngressHeaders;

/**
 * Consumes a queue with manual acknowledgements and up to {@code prefetch} deliveries in the route
 * at once. A delivery is acked when its route completed and nacked with requeue, after a backoff
 * that grows with consecutive failures, when the route failed: nothing is acked that the sink did
 * not take. A closed channel or connection is reopened after a backoff; whatever was unacked then
 * is redelivered by the broker.
 */
public class RabbitSourceConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitSourceConsumer.class);

    private final RabbitEndpoint endpoint;
    private final ConnectionFactory connectionFactory;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Deliveries in the route, for metrics and the drain; the broker bounds them (prefetch), this only counts. */
    private final InFlightWindow held = new InFlightWindow(Integer.MAX_VALUE, Long.MAX_VALUE);
    private final RedeliveryCounter redeliveries = new RedeliveryCounter(10_000);
    /** What the prefetch is sized for before any message was seen. */
    private static final long ASSUMED_MESSAGE_BYTES = 4L * 1024 * 1024;
    private final PrefetchWindow window;
    private volatile int prefetch;
    private SourceSupervision supervision;
    private SourceHealth health;
    private int reconnects;
    private long nextDepth;
    private volatile long queueDepth = -1;
    private volatile boolean resizePending;
    private String consumerTag;
    private int subscriptions;
    private ScheduledExecutorService scheduler;
    private volatile Connection connection;
    private volatile Channel channel;
    private volatile boolean running;
    private BridgeMetrics metrics;

    public RabbitSourceConsumer(RabbitEndpoint endpoint, Processor processor, ConnectionFactory connectionFactory) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.connectionFactory = connectionFactory;
        this.window = new PrefetchWindow(endpoint.getPrefetch(), endpoint.getMaxInFlightBytes());
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        supervision = ((RabbitComponent) endpoint.getComponent()).getSupervision();
        health = supervision.health(getRouteId());
        health.backlog(() -> queueDepth < 0 ? -1 : queueDepth + held.messages());
        health.attach(this, (RabbitComponent) endpoint.getComponent());
        metrics = BridgeMetrics.of(getEndpoint().getCamelContext(), getRouteId(), "rabbitmq", this::inFlight, health);
        running = true;
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "interchange-rabbitmq-source-" + endpoint.getDestination());
            t.setDaemon(true);
            return t;
        });
        scheduler.execute(this::connect);
        scheduler.scheduleWithFixedDelay(this::watch, 5, 5, TimeUnit.SECONDS);
    }

    /** Connects and subscribes; the connection before (a dead or half-open one) is closed first, never leaked. */
    private void connect() {
        if (!running) {
            return;
        }
        Connection previous = connection;
        if (previous != null) {
            try {
                previous.abort(1_000);
            } catch (RuntimeException e) {
                LOG.debug("Aborting the old connection of queue '{}': {}", endpoint.getDestination(), e.getMessage());
            }
        }
        try {
            Connection c = connectionFactory.newConnection("interchange-source-" + endpoint.getDestination());
            connection = c;
            Channel channel = c.createChannel();
            channel.addShutdownListener(this::closed);
            this.channel = channel;
            // Unknown sizes: start as if messages were large, and widen once they are seen to be small.
            prefetch = window.prefetchFor(ASSUMED_MESSAGE_BYTES);
            consume(channel);
            reconnects = 0;
            health.running();
            LOG.info("Consuming RabbitMQ queue '{}' for route '{}'", endpoint.getDestination(), getRouteId());
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            reconnect(e);
        }
    }

    /** A new connection and subscription after a backoff that grows with the failures in a row. */
    private void reconnect(Throwable cause) {
        if (!running) {
            return;
        }
        health.restarting(cause);
        long backoff = supervision.backoffMillis(++reconnects);
        LOG.warn("Cannot consume RabbitMQ queue '{}' for route '{}', trying again in {} ms: {}",
                endpoint.getDestination(), getRouteId(), backoff, cause == null ? "cancelled" : cause.getMessage());
        scheduler.schedule(this::connect, backoff, TimeUnit.MILLISECONDS);
    }

    /** Every few seconds: the connection is alive (liveness), and how deep the queue is (backlog, readiness). */
    private void watch() {
        Connection c = connection;
        if (!running || c == null || !c.isOpen()) {
            return;
        }
        health.beat();
        if (System.nanoTime() - nextDepth < 0) {
            return;
        }
        nextDepth = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // A channel of its own: a passive declare of a missing queue closes the channel it runs on.
        try (Channel probe = c.createChannel()) {
            queueDepth = probe.messageCount(endpoint.getDestination());
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            queueDepth = -1;
        }
    }

    /**
     * (Re)subscribes with the current prefetch. RabbitMQ applies a consumer's prefetch when it subscribes;
     * the deliveries of an earlier subscription stay on the channel and are acknowledged as before.
     */
    private synchronized void consume(Channel channel) throws IOException {
        channel.basicQos(prefetch);
        consumerTag = getRouteId() + "-" + (++subscriptions);
        channel.basicConsume(endpoint.getDestination(), false, consumerTag,
                new com.rabbitmq.client.DefaultConsumer(channel) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                            byte[] body) {
                        dispatch(channel, envelope, properties, body);
                    }

                    /** The broker ended the subscription (the queue was deleted, a quorum leader moved). */
                    @Override
                    public void handleCancel(String tag) {
                        if (running) {
                            LOG.warn("RabbitMQ cancelled the consumer of queue '{}' for route '{}'; subscribing again",
                                    endpoint.getDestination(), getRouteId());
                            scheduler.execute(() -> reconnect(null));
                        }
                    }
                });
    }

    /**
     * RabbitMQ bounds what it pushes by count only: the prefetch follows the largest message seen lately so
     * that prefetch x size stays within maxInFlightBytes (shrinking at once when a large one comes, widening
     * once they are small again).
     */
    private synchronized void resize() {
        resizePending = false;
        Channel ch = channel;
        int wanted = window.prefetchFor(window.largestRecent());
        if (!running || ch == null || !ch.isOpen() || wanted == prefetch) {
            return;
        }
        try {
            // Cancelled first: two subscriptions at once would each get a full prefetch.
            ch.basicCancel(consumerTag);
            prefetch = wanted;
            consume(ch);
            LOG.debug("Route '{}': prefetch of queue '{}' now {}", getRouteId(), endpoint.getDestination(), wanted);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Route '{}': could not change the prefetch of queue '{}': {}", getRouteId(),
                    endpoint.getDestination(), e.getMessage());
        }
    }

    private void closed(ShutdownSignalException cause) {
        if (running && !cause.isInitiatedByApplication()) {
            scheduler.execute(() -> reconnect(cause));
        }
    }

    private void dispatch(Channel channel, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
        long bytes = body.length;
        held.add(1, bytes);
        if (!running) {
            // The client still hands out what the broker sent before the stop's cancel. Counted first, so a stop
            // either waits for this delivery or it is put back here; never run after the connection closed, where it
            // would reach the sink without an ack and be delivered again.
            settle(channel, envelope.getDeliveryTag(), false, bytes);
            return;
        }
        // With some slack either way, so that sizes that jitter do not resubscribe on every message.
        int wanted = window.observe(bytes);
        if (running && !resizePending && (wanted < prefetch * 3L / 4 || wanted >= Math.min(2L * prefetch, endpoint.getPrefetch())
                && wanted > prefetch)) {
            resizePending = true;
            scheduler.execute(this::resize);
        }
        metrics.received();
        Exchange exchange = createExchange(false);
        Message message = exchange.getMessage();
        message.setBody(body);
        IngressHeaders.Admission admission = endpoint.ingress().admit(message);
        Map<String, Object> headers = properties.getHeaders();
        String key = null;
        if (headers != null) {
            for (Map.Entry<String, Object> header : headers.entrySet()) {
                Object value = header.getValue();
                if (BridgeHeaders.AMQP_KEY.equals(header.getKey())) {
                    key = value instanceof LongString ls ? ls.toString() : String.valueOf(value);
                } else if (value instanceof LongString text) {
                    admission.putText(header.getKey(), text.getBytes());
                } else {
                    // AMQP's own types (integers, booleans, timestamps, byte arrays for binary) stay as they are
                    admission.put(header.getKey(), value);
                }
            }
        }
        admission.finish(exchange);
        if (key != null) {
            message.setHeader(BridgeHeaders.KEY, key);
        }
        if (properties.getContentType() != null) {
            message.setHeader(Exchange.CONTENT_TYPE, properties.getContentType());
        }
        message.setHeader(BridgeHeaders.ROUTING_KEY, envelope.getRoutingKey());
        Object identity = RedeliveryCounter.identity(properties, body);
        message.setHeader(DeadLetterHeaders.DELIVERY_ATTEMPT,
                envelope.isRedeliver() ? redeliveries.attemptOf(identity, properties) : 1);
        if (envelope.isRedeliver()) {
            message.setHeader(DeadLetterHeaders.FIRST_FAILURE, redeliveries.firstFailureOf(identity));
            Object deliveries = headers == null ? null : headers.get("x-delivery-count");
            if (deliveries instanceof Number n && n.intValue() > endpoint.getMaxDeliveryCount()) {
                exchange.setProperty(DeadLetterHeaders.UNSETTLED_ATTEMPTS, n.intValue());
            }
        }
        long tag = envelope.getDeliveryTag();
        getAsyncProcessor().process(exchange, doneSync -> {
            try {
                if (exchange.isFailed()) {
                    int failures = consecutiveFailures.incrementAndGet();
                    long backoff = new Backoff(endpoint.getRetryBackoffMillis(), endpoint.getMaxRetryBackoffMillis())
                            .after(failures);
                    LOG.warn("Route '{}' failed on a message of queue '{}'; requeued in {} ms: {}{}", getRouteId(),
                            endpoint.getDestination(), backoff,
                            exchange.getException() == null ? "rolled back" : exchange.getException().getMessage(),
                            TraceContext.logSuffix(exchange));
                    metrics.failed();
                    metrics.redelivered(1);
                    redeliveries.failed(identity);
                    if (running) {
                        scheduler.schedule(() -> settle(channel, tag, false, bytes), backoff, TimeUnit.MILLISECONDS);
                    } else {
                        settle(channel, tag, false, bytes); // stopping: back to the queue now, for the next gateway
                    }
                } else {
                    consecutiveFailures.set(0);
                    redeliveries.settled(identity);
                    settle(channel, tag, true, bytes);
                    health.progress();
                    metrics.completed(properties.getTimestamp() == null ? 0 : properties.getTimestamp().getTime());
                }
            } finally {
                releaseExchange(exchange, false);
            }
        });
    }

    private void settle(Channel channel, long tag, boolean ack, long bytes) {
        try {
            if (ack) {
                channel.basicAck(tag, false);
            } else {
                channel.basicNack(tag, false, true);
            }
        } catch (IOException | RuntimeException e) {
            // The channel is gone: the broker redelivers every unacked message to the next consumer.
            LOG.debug("Could not settle delivery {} of queue '{}': {}", tag, endpoint.getDestination(), e.getMessage());
        } finally {
            held.remove(1, bytes);
        }
    }

    /** Deliveries in the route and not yet settled; for metrics and tests. */
    public int inFlight() {
        return held.messages();
    }

    @Override
    protected void doStop() throws Exception {
        running = false;
        Channel ch = channel;
        if (ch != null && ch.isOpen()) {
            // Take no more deliveries (those the client still hands out are put back, see dispatch), then give
            // those in the route a bounded time to settle.
            try {
                ch.basicCancel(consumerTag);
            } catch (IOException | RuntimeException e) {
                LOG.debug("Cancelling the consumer of queue '{}': {}", endpoint.getDestination(), e.getMessage());
            }
            if (!held.awaitEmpty(endpoint.getDrainTimeoutMillis())) {
                LOG.warn("Route '{}': {} deliveries of queue '{}' still in the route after the drain timeout ({} ms);"
                        + " RabbitMQ delivers them again, and those the sink took are duplicated", getRouteId(),
                        held.messages(), endpoint.getDestination(), endpoint.getDrainTimeoutMillis());
            }
        }
        Connection c = connection;
        if (c != null && c.isOpen()) {
            c.close();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (health != null) {
            health.stopped();
            health.detach(this);
        }
        super.doStop();
    }
}

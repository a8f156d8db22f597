package io.interchange.bridge.rabbitmq;

import java.io.IOException;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;

import io.interchange.bridge.BridgeHeaders;
import io.interchange.security.HeaderAllowList;
import io.interchange.bridge.MessageTooLargeException;
import io.interchange.bridge.UndeliverableException;
import io.interchange.bridge.UnencodableMessageException;

/**
 * Publishes on one confirm-mode channel and completes each exchange when its confirm arrives,
 * without waiting in between: the throughput of pipelined confirms with the guarantee of
 * confirm-per-message. Publishes from one caller keep their order on the channel. A mandatory
 * publish that RabbitMQ returns (no queue bound) fails, as do nacks, a dead channel and a confirm
 * that does not come within the timeout; the next publish opens a new connection.
 */
public class RabbitSinkProducer extends DefaultAsyncProducer {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitSinkProducer.class);

    private final RabbitEndpoint endpoint;
    private final ConnectionFactory connectionFactory;
    private final HeaderAllowList allowedHeaders;
    /** Every channel with publishes waiting for their confirm: the open one, and closed ones being failed. */
    private final Set<ChannelState> channels = ConcurrentHashMap.newKeySet();
    private final Object publishLock = new Object();
    private Connection connection;
    private ChannelState channel;
    private ScheduledExecutorService timeouts;

    public RabbitSinkProducer(RabbitEndpoint endpoint, ConnectionFactory connectionFactory) {
        super(endpoint);
        this.endpoint = endpoint;
        this.connectionFactory = connectionFactory;
        this.allowedHeaders = ((RabbitComponent) endpoint.getComponent()).allowedHeaders();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Message message = exchange.getMessage();
        byte[] body = message.getBody(byte[].class);
        if (body == null) {
            body = new byte[0];
        }
        if (endpoint.getMaxBodyBytes() > 0 && body.length > endpoint.getMaxBodyBytes()) {
            exchange.setException(new MessageTooLargeException("RabbitMQ exchange '" + endpoint.getDestination() + "'",
                    body.length, endpoint.getMaxBodyBytes()));
            callback.done(true);
            return true;
        }
        String routingKey = endpoint.isUseMessageRoutingKey()
                ? message.getHeader(BridgeHeaders.ROUTING_KEY, endpoint.getRoutingKey(), String.class)
                : endpoint.getRoutingKey();
        Map<String, Object> headers = amqpHeaders(exchange);
        String key = message.getHeader(BridgeHeaders.KEY, String.class);
        if (key != null) {
            headers.put(BridgeHeaders.AMQP_KEY, key);
        }
        try {
            synchronized (publishLock) {
                ChannelState state = openChannel();
                Channel ch = state.channel;
                ConcurrentNavigableMap<Long, Pending> pending = state.pending;
                long sequence = ch.getNextPublishSeqNo();
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                        .deliveryMode(endpoint.isPersistent() ? 2 : 1)
                        .contentType(message.getHeader(Exchange.CONTENT_TYPE, String.class))
                        .headers(headers)
                        .timestamp(new Date())
                        .build();
                pending.put(sequence, new Pending(exchange, callback,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(endpoint.getConfirmTimeoutMillis()),
                        routingKey, body, headers));
                try {
                    ch.basicPublish(endpoint.getDestination(), routingKey, endpoint.isMandatory(), properties, body);
                } catch (IOException | RuntimeException e) {
                    pending.remove(sequence);
                    // The client counted a sequence number for a publish it may not have sent: every later
                    // confirm on this channel would complete the wrong exchange. Drop the channel: the
                    // publishes still waiting fail (and are delivered again), the next one opens a new channel.
                    abort(state);
                    if (e instanceof IllegalArgumentException) {
                        // e.g. a header name or routing key over 255 bytes: no retry can encode it
                        throw new UnencodableMessageException("RabbitMQ cannot encode the message for exchange '"
                                + endpoint.getDestination() + "': " + e.getMessage(), e);
                    }
                    throw e;
                }
            }
            return false;
        } catch (UndeliverableException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException e) {
            exchange.setException(new RabbitPublishException("Publish to exchange '" + endpoint.getDestination()
                    + "' failed: " + e.getMessage(), e));
            callback.done(true);
            return true;
        }
    }

    private Map<String, Object> amqpHeaders(Exchange exchange) {
        Map<String, Object> headers = new HashMap<>();
        exchange.getMessage().getHeaders().forEach((name, value) -> {
            // The content type travels as the AMQP content-type property, not as a header too.
            if (value != null && allowedHeaders.allows(name) && !Exchange.CONTENT_TYPE.equalsIgnoreCase(name)) {
                headers.put(name, isAmqpValue(value) ? value : value.toString());
            }
        });
        return headers;
    }

    /** Types the AMQP 0-9-1 field table carries as they are (bytes as a byte array, not as mangled text). */
    private static boolean isAmqpValue(Object value) {
        return value instanceof CharSequence || value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte || value instanceof Double || value instanceof Float
                || value instanceof java.math.BigDecimal || value instanceof Boolean || value instanceof byte[] || value instanceof Date || value instanceof Map || value instanceof java.util.List;
    }

    /** Called with publishLock held. */
    private void abort(ChannelState state) {
        try {
            state.channel.abort();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Aborting channel to '{}': {}", endpoint.getDestination(), e.getMessage());
        }
        // abort() ran the shutdown listener: the publishes still waiting on it have failed
        if (channel == state) {
            channel = null;
        }
    }

    /**
     * Called with publishLock held. Each channel keeps its own publishes: confirm numbers start at 1 on every
     * channel, so a confirm (or a return) on one can never complete a publish made on another.
     */
    private ChannelState openChannel() throws IOException, java.util.concurrent.TimeoutException {
        if (channel != null && channel.channel.isOpen()) {
            return channel;
        }
        if (connection == null || !connection.isOpen()) {
            if (connection != null) {
                connection.abort(1_000); // a dead connection is closed, not left behind
            }
            connection = connectionFactory.newConnection("interchange-sink-" + endpoint.getDestination());
        }
        ChannelState state = new ChannelState(connection.createChannel());
        Channel ch = state.channel;
        ch.confirmSelect();
        ch.addConfirmListener((sequence, multiple) -> state.confirmed(sequence, multiple, null),
                (sequence, multiple) -> state.confirmed(sequence, multiple, "RabbitMQ nacked the message"));
        ch.addReturnListener(returned -> state.returned(returned));
        ch.addShutdownListener(cause -> channelClosed(state, cause));
        channels.add(state);
        channel = state;
        return state;
    }

    private void channelClosed(ChannelState closed, ShutdownSignalException cause) {
        if (!cause.isInitiatedByApplication()) {
            LOG.warn("RabbitMQ channel to exchange '{}' closed: {}", endpoint.getDestination(), cause.getMessage());
        }
        // Every publish still waiting on this channel will never be confirmed.
        closed.failAll("RabbitMQ channel closed before the confirm: " + cause.getMessage());
        channels.remove(closed);
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        for (ChannelState state : channels) {
            for (Map.Entry<Long, Pending> entry : state.pending.entrySet()) {
                if (now - entry.getValue().deadlineNanos > 0 && state.pending.remove(entry.getKey(), entry.getValue())) {
                    entry.getValue().finish("No confirm from RabbitMQ within " + endpoint.getConfirmTimeoutMillis() + " ms");
                }
            }
        }
    }

    /** Publishes waiting for a confirm; for metrics and tests. */
    public int inFlight() {
        return channels.stream().mapToInt(c -> c.pending.size()).sum();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "interchange-rabbitmq-confirm-timeouts");
            t.setDaemon(true);
            return t;
        });
        timeouts.scheduleWithFixedDelay(this::expireOverdue, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() throws Exception {
        synchronized (publishLock) {
            if (channel != null && channel.channel.isOpen()) {
                try {
                    channel.channel.waitForConfirms(endpoint.getConfirmTimeoutMillis());
                } catch (Exception e) {
                    LOG.warn("Stopping with unconfirmed publishes to '{}': {}", endpoint.getDestination(), e.getMessage());
                }
            }
            if (connection != null && connection.isOpen()) {
                connection.close();
            }
            channel = null;
            connection = null;
        }
        if (timeouts != null) {
            timeouts.shutdownNow();
        }
        super.doStop();
    }

    /** One confirm-mode channel and the publishes on it that wait for their confirm, by confirm number. */
    private static final class ChannelState {
        final Channel channel;
        final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();

        ChannelState(Channel channel) {
            this.channel = channel;
        }

        void confirmed(long sequence, boolean multiple, String failure) {
            if (multiple) {
                for (Long s : pending.headMap(sequence, true).keySet()) {
                    Pending p = pending.remove(s);
                    if (p != null) {
                        p.finish(failure);
                    }
                }
            } else {
                Pending p = pending.remove(sequence);
                if (p != null) {
                    p.finish(failure);
                }
            }
        }

        void returned(com.rabbitmq.client.Return returned) {
            String reason = "RabbitMQ returned the message as unroutable: " + returned.getReplyCode() + " "
                    + returned.getReplyText() + " (exchange '" + returned.getExchange() + "', routing key '"
                    + returned.getRoutingKey() + "')";
            // RabbitMQ sends a return before the ack of the same publish, and a return names no confirm number:
            // every publish still waiting on this channel that is the same message (routing key, headers, body)
            // is failed. Two identical publishes route alike, so this fails the returned one, and if a binding
            // changed between them, one more (dead-lettered as unroutable: a copy, never a loss).
            boolean matched = false;
            for (Pending p : pending.values()) {
                if (p.returned == null && p.isMessage(returned.getRoutingKey(), returned.getProperties().getHeaders(),
                        returned.getBody())) {
                    p.returned = reason;
                    matched = true;
                }
            }
            if (!matched) {
                // Headers that did not survive the round trip as sent (e.g. text the encoder replaced): fail
                // every waiting publish of this routing key and body rather than confirm the returned one.
                for (Pending p : pending.values()) {
                    if (p.returned == null && p.routingKey.equals(returned.getRoutingKey())
                            && java.util.Arrays.equals(p.body, returned.getBody())) {
                        p.returned = reason;
                    }
                }
            }
        }

        void failAll(String reason) {
            for (Long s : pending.keySet()) {
                Pending p = pending.remove(s);
                if (p != null) {
                    p.finish(reason);
                }
            }
        }
    }

    private static final class Pending {
        final Exchange exchange;
        final AsyncCallback callback;
        final long deadlineNanos;
        final String routingKey;
        final byte[] body;
        final Map<String, Object> headers;
        volatile String returned;

        Pending(Exchange exchange, AsyncCallback callback, long deadlineNanos, String routingKey, byte[] body,
                Map<String, Object> headers) {
            this.exchange = exchange;
            this.callback = callback;
            this.deadlineNanos = deadlineNanos;
            this.routingKey = routingKey;
            this.body = body;
            this.headers = headers;
        }

        /** Whether a returned message is this publish (header values compared as text: AMQP decodes strings as LongString). */
        boolean isMessage(String returnedRoutingKey, Map<String, Object> returnedHeaders, byte[] returnedBody) {
            if (!routingKey.equals(returnedRoutingKey) || !java.util.Arrays.equals(body, returnedBody)) {
                return false;
            }
            Map<String, Object> other = returnedHeaders == null ? Map.of() : returnedHeaders;
            if (headers.size() != other.size()) {
                return false;
            }
            for (Map.Entry<String, Object> header : headers.entrySet()) {
                if (!String.valueOf(header.getValue()).equals(String.valueOf(other.get(header.getKey())))) {
                    return false;
                }
            }
            return true;
        }

        void finish(String failure) {
            if (failure != null) {
                exchange.setException(new RabbitPublishException(failure));
            } else if (returned != null) {
                exchange.setException(new UnroutableMessageException(returned));
            }
            callback.done(false);
        }
    }
}

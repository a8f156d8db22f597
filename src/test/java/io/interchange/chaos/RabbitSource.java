package io.interchange.chaos;

import java.util.HashMap;
import java.util.Map;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import io.interchange.brokers.RabbitMqBroker;

/**
 * A durable queue of persistent CloudEvents in the AMQP binary binding ({@code cloudEvents:*} headers), keyed with
 * {@code interchange-key}, published with confirms; its backlog is what is ready or unacknowledged there.
 */
final class RabbitSource implements Source {

    private final RabbitMqBroker rabbitmq;
    private final String queue;
    private final Records records;
    private Connection connection;
    private Channel channel;

    RabbitSource(RabbitMqBroker rabbitmq, String queue, Records records) {
        this.rabbitmq = rabbitmq;
        this.queue = queue;
        this.records = records;
    }

    @Override
    public void create() throws Exception {
        channel().queueDeclare(queue, true, false, false, null);
    }

    @Override
    public void send(int from, int to) throws Exception {
        Channel ch = channel();
        for (int i = from; i < to; i++) {
            Map<String, Object> headers = new HashMap<>();
            headers.put("cloudEvents:specversion", "1.0");
            headers.put("cloudEvents:id", records.id(i));
            headers.put("cloudEvents:source", records.source());
            headers.put("cloudEvents:type", Records.TYPE);
            headers.put("interchange-key", records.key(i));
            ch.basicPublish("", queue, new AMQP.BasicProperties.Builder().contentType("text/plain").deliveryMode(2)
                    .headers(headers).build(), records.body(i));
        }
        ch.waitForConfirmsOrDie(60_000);
    }

    @Override
    public long backlog() {
        return RabbitSink.messages(rabbitmq, queue);
    }

    /** The publishing channel; a new connection after a broker restart (no publish is in progress then). */
    private synchronized Channel channel() throws Exception {
        if (connection == null || !connection.isOpen() || channel == null || !channel.isOpen()) {
            close();
            connection = RabbitSink.factory(rabbitmq, false).newConnection("chaos-source-" + queue);
            channel = connection.createChannel();
            channel.confirmSelect();
        }
        return channel;
    }

    @Override
    public synchronized void close() {
        try {
            if (connection != null && connection.isOpen()) {
                connection.close();
            }
        } catch (Exception e) {
            // the broker may be gone; nothing to keep
        }
        connection = null;
        channel = null;
    }
}

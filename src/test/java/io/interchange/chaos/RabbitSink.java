package io.interchange.chaos;

import java.io.IOException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.brokers.RabbitMqBroker;

/**
 * A durable queue bound to the exchange the gateway publishes to, read with manual acks by a connection that
 * recovers by itself after a broker restart. A message the broker hands the reader again ({@code redelivered})
 * that it already counted is the reader's own repeat, not a duplicate of the gateway's.
 */
final class RabbitSink implements Sink {

    private final RabbitMqBroker rabbitmq;
    private final String exchange;
    private final String queue;
    private final String bindingKey;
    private final Records records;
    private Connection connection;

    RabbitSink(RabbitMqBroker rabbitmq, String exchange, String queue, String bindingKey, Records records) {
        this.rabbitmq = rabbitmq;
        this.exchange = exchange;
        this.queue = queue;
        this.bindingKey = bindingKey;
        this.records = records;
    }

    @Override
    public void create() throws Exception {
        try (Connection c = factory(rabbitmq, false).newConnection("chaos-setup"); Channel channel = c.createChannel()) {
            channel.exchangeDeclare(exchange, "topic", true);
            channel.queueDeclare(queue, true, false, false, null);
            channel.queueBind(queue, exchange, bindingKey);
        }
    }

    @Override
    public void read(Arrivals arrivals) throws Exception {
        connection = factory(rabbitmq, true).newConnection("chaos-sink-" + queue);
        Channel channel = connection.createChannel();
        channel.basicQos(2_000);
        channel.basicConsume(queue, false, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                arrivals.arrived(records.index(body), envelope.isRedeliver());
                try {
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                } catch (IOException | RuntimeException e) {
                    // the connection dropped: the broker hands it over again, marked redelivered
                }
            }
        });
    }

    @Override
    public boolean caughtUp() {
        return messages(rabbitmq, queue) == 0;
    }

    @Override
    public void close() {
        try {
            if (connection != null) {
                connection.abort(5_000);
            }
        } catch (RuntimeException e) {
            // nothing to keep
        }
    }

    /** Messages ready or unacknowledged in {@code queue} ({@code rabbitmqctl list_queues}), -1 if not listed. */
    static long messages(RabbitMqBroker rabbitmq, String queue) {
        String listing = rabbitmq.ctl("list_queues", "--quiet", "--no-table-headers", "name", "messages");
        for (String line : listing.split("\\R")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length == 2 && columns[0].equals(queue)) {
                return Long.parseLong(columns[1]);
            }
        }
        return -1;
    }

    static ConnectionFactory factory(RabbitMqBroker rabbitmq, boolean recovering) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(rabbitmq.host());
        factory.setPort(rabbitmq.port());
        factory.setUsername(rabbitmq.username());
        factory.setPassword(rabbitmq.password());
        factory.setAutomaticRecoveryEnabled(recovering);
        factory.setTopologyRecoveryEnabled(recovering);
        factory.setNetworkRecoveryInterval(500);
        return factory;
    }
}

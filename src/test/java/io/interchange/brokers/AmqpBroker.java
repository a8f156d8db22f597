package io.interchange.brokers;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/** An AMQP 0-9-1 broker reachable with a username and password on virtual host "/". */
public interface AmqpBroker extends Broker {

    String host();

    int port();

    String username();

    String password();

    /** A plain client connection, as a test's own producer or consumer uses. */
    default Connection connect(String clientName) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host());
        factory.setPort(port());
        factory.setUsername(username());
        factory.setPassword(password());
        return factory.newConnection(clientName);
    }
}

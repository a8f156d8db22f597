package io.interchange.brokers;

/** An AMQP 0-9-1 broker reachable with a username and password on virtual host "/". */
public interface AmqpBroker extends Broker {

    String host();

    int port();

    String username();

    String password();
}

package io.interchange.chaos;

import java.util.Map;

import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;

/** The three brokers, as a fault sees them: each can be stopped and started again with its data. */
enum BrokerKind {

    KAFKA("Kafka"), RABBITMQ("RabbitMQ"), SQS("SQS");

    private final String title;

    BrokerKind(String title) {
        this.title = title;
    }

    String title() {
        return title;
    }

    /**
     * Graceful stop, data kept: Kafka shuts down (SIGTERM, controlled shutdown), RabbitMQ by {@code rabbitmqctl stop},
     * ElasticMQ closes its endpoint and keeps its queues in memory (see {@code SqsBroker}).
     */
    void stop() {
        switch (this) {
            case KAFKA -> Brokers.kafka().stop();
            case RABBITMQ -> Brokers.rabbitmq().stop();
            case SQS -> Brokers.sqs().stop();
        }
    }

    /** Back on the same ports with the same data (the registry starts a stopped broker on first use). */
    void start() {
        switch (this) {
            case KAFKA -> Brokers.kafka();
            case RABBITMQ -> Brokers.rabbitmq();
            case SQS -> Brokers.sqs();
        }
    }

    /** The gateway settings that point it at this broker. */
    Map<String, String> gatewaySettings() {
        return switch (this) {
            case KAFKA -> GatewayProperties.kafka(Brokers.kafka());
            case RABBITMQ -> GatewayProperties.amqp(Brokers.rabbitmq());
            case SQS -> GatewayProperties.sqs(Brokers.sqs());
        };
    }
}

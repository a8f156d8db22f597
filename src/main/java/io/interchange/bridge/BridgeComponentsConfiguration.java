package io.interchange.bridge;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.interchange.bridge.kafka.KafkaSourceComponent;
import io.interchange.bridge.rabbitmq.RabbitComponent;

/** Registers the bridge components under the schemes routes use. */
@Configuration(proxyBeanMethods = false)
public class BridgeComponentsConfiguration {

    @Bean("interchange-kafka")
    KafkaSourceComponent interchangeKafka() {
        return new KafkaSourceComponent();
    }

    /** Uses the connection settings (host, credentials, TLS) Spring Boot built from spring.rabbitmq.*. */
    @Bean("interchange-rabbitmq")
    RabbitComponent interchangeRabbitmq(CachingConnectionFactory connectionFactory, BridgeProperties bridge) {
        return new RabbitComponent(connectionFactory.getRabbitConnectionFactory(), bridge.allowList());
    }
}

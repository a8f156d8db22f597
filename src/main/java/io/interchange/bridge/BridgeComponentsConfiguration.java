package io.interchange.bridge;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.interchange.bridge.kafka.KafkaSourceComponent;
import io.interchange.bridge.rabbitmq.RabbitComponent;
import io.interchange.bridge.sqs.SqsClientFactory;
import io.interchange.bridge.sqs.SqsComponent;
import io.interchange.bridge.sqs.SqsSettings;
import io.interchange.security.IngressProperties;

/**
 * Registers the bridge components under the schemes routes use. Each class is also a Camel component of its
 * own ({@code @Component}, found by Camel's factory finder, for tooling), but it needs what only Spring has:
 * the connection settings, the ingress header policy, the supervision settings. The bean carries the scheme
 * as its name because Camel looks a scheme up in its registry, which is Spring's, before the factory finder:
 * routes always get this configured instance, never a second one made by the finder.
 */
@Configuration(proxyBeanMethods = false)
public class BridgeComponentsConfiguration {

    @Bean("interchange-kafka")
    KafkaSourceComponent interchangeKafka(IngressProperties ingress, BridgeProperties bridge) {
        KafkaSourceComponent component = new KafkaSourceComponent();
        component.setIngressHeaders(ingress.headers());
        component.setSupervision(bridge.supervision());
        return component;
    }

    /** Uses the connection settings (host, credentials, TLS) Spring Boot built from spring.rabbitmq.*. */
    @Bean("interchange-rabbitmq")
    RabbitComponent interchangeRabbitmq(CachingConnectionFactory connectionFactory, BridgeProperties bridge,
            IngressProperties ingress) {
        RabbitComponent component = new RabbitComponent(connectionFactory.getRabbitConnectionFactory(), bridge.allowList());
        component.setIngressHeaders(ingress.headers());
        component.setSupervision(bridge.supervision());
        return component;
    }

    /**
     * SQS from interchange.sqs.* (region, endpoint override). Static keys only when both of
     * camel.component.aws2-sqs.access-key and secret-key are set, else the AWS default provider chain.
     */
    @Bean("interchange-sqs")
    SqsComponent interchangeSqs(SqsSettings settings, Environment environment, IngressProperties ingress,
            BridgeProperties bridge) {
        SqsComponent component = new SqsComponent(new SqsClientFactory(settings,
                environment.getProperty("camel.component.aws2-sqs.access-key"),
                environment.getProperty("camel.component.aws2-sqs.secret-key")));
        component.setIngressHeaders(ingress.headers());
        component.setSupervision(bridge.supervision());
        return component;
    }
}

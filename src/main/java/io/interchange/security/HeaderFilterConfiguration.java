package io.interchange.security;

import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaHeaderFilterStrategy;
import org.apache.camel.component.springrabbit.SpringRabbitMQComponent;
import org.apache.camel.component.springrabbit.SpringRabbitMQHeaderFilterStrategy;
import org.apache.camel.spi.CamelContextCustomizer;
import org.apache.camel.spi.ComponentCustomizer;
import org.apache.camel.spi.HeaderFilterStrategyAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.interchange.bridge.BridgeProperties;

/**
 * The header contract on the stock broker components, as the gateway's own sources apply it: inbound an
 * allow-list ({@link IngressHeaders}: the binding's CloudEvents headers, trace context and
 * {@code interchange.ingress.headers}), outbound the bridge's allow-list on Kafka; and in front of every
 * other endpoint with a header filter (platform-http, ...) {@link CamelHeaderFilter}, so nothing from
 * outside carries a {@code Camel*} header into a route.
 */
@Configuration(proxyBeanMethods = false)
public class HeaderFilterConfiguration {

    @Bean
    ComponentCustomizer kafkaHeaderFilter(BridgeProperties bridge, IngressProperties ingress) {
        return ComponentCustomizer.forType(KafkaComponent.class, kafka -> kafka.getConfiguration()
                .setHeaderFilterStrategy(new CamelHeaderFilter(new AllowListHeaderFilter(bridge.allowList(),
                        IngressHeaders.of(IngressHeaders.KAFKA, ingress.headers()), new KafkaHeaderFilterStrategy()))));
    }

    @Bean
    ComponentCustomizer rabbitmqHeaderFilter(IngressProperties ingress) {
        return ComponentCustomizer.forType(SpringRabbitMQComponent.class, rabbit -> rabbit
                .setHeaderFilterStrategy(new CamelHeaderFilter(new AllowListHeaderFilter(null,
                        IngressHeaders.of(IngressHeaders.AMQP, ingress.headers()),
                        new SpringRabbitMQHeaderFilterStrategy()))));
    }

    @Bean
    CamelContextCustomizer endpointHeaderFilter(IngressProperties ingress) {
        IngressHeaders sqs = IngressHeaders.of(IngressHeaders.SQS, ingress.headers());
        return camelContext -> camelContext.getCamelContextExtension().registerEndpointCallback((uri, endpoint) -> {
            if (endpoint instanceof HeaderFilterStrategyAware aware
                    && !(aware.getHeaderFilterStrategy() instanceof CamelHeaderFilter)) {
                // aws2-sqs keeps its filter per endpoint
                aware.setHeaderFilterStrategy(new CamelHeaderFilter(endpoint instanceof Sqs2Endpoint
                        ? new AllowListHeaderFilter(null, sqs, aware.getHeaderFilterStrategy())
                        : aware.getHeaderFilterStrategy()));
            }
            return endpoint;
        });
    }
}

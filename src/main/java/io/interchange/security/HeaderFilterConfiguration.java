package io.interchange.security;

import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaHeaderFilterStrategy;
import org.apache.camel.component.springrabbit.SpringRabbitMQComponent;
import org.apache.camel.component.springrabbit.SpringRabbitMQHeaderFilterStrategy;
import org.apache.camel.spi.CamelContextCustomizer;
import org.apache.camel.spi.ComponentCustomizer;
import org.apache.camel.spi.HeaderFilterStrategyAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.interchange.bridge.AllowListHeaderFilter;
import io.interchange.bridge.BridgeProperties;

/**
 * Puts {@link CamelHeaderFilter} in front of the header filter of every broker component and of
 * every endpoint that has one (aws2-sqs keeps its filter on the endpoint only), so no consumer
 * takes a {@code Camel*} header from the wire.
 */
@Configuration(proxyBeanMethods = false)
public class HeaderFilterConfiguration {

    /** Kafka sinks also carry only the bridge's allowed headers onto the record. */
    @Bean
    ComponentCustomizer kafkaHeaderFilter(BridgeProperties bridge) {
        return ComponentCustomizer.forType(KafkaComponent.class, kafka -> kafka.getConfiguration()
                .setHeaderFilterStrategy(new CamelHeaderFilter(
                        new AllowListHeaderFilter(bridge.allowList(), new KafkaHeaderFilterStrategy()))));
    }

    @Bean
    ComponentCustomizer rabbitmqHeaderFilter() {
        return ComponentCustomizer.forType(SpringRabbitMQComponent.class, rabbit -> rabbit
                .setHeaderFilterStrategy(new CamelHeaderFilter(new SpringRabbitMQHeaderFilterStrategy())));
    }

    @Bean
    CamelContextCustomizer endpointHeaderFilter() {
        return camelContext -> camelContext.getCamelContextExtension().registerEndpointCallback((uri, endpoint) -> {
            if (endpoint instanceof HeaderFilterStrategyAware aware
                    && !(aware.getHeaderFilterStrategy() instanceof CamelHeaderFilter)) {
                aware.setHeaderFilterStrategy(new CamelHeaderFilter(aware.getHeaderFilterStrategy()));
            }
            return endpoint;
        });
    }
}

package io.interchange.bridge;

import java.util.ArrayList;
import java.util.List;

import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.ExchangeBuilder;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Hands the configured topology to Spring AMQP's admin, which declares it on every (re)connect. */
@Configuration(proxyBeanMethods = false)
public class RabbitTopologyConfiguration {

    @Bean
    Declarables rabbitTopology(RabbitTopologyProperties topology) {
        List<Declarable> declarables = new ArrayList<>();
        for (RabbitTopologyProperties.Exchange exchange : topology.exchanges()) {
            declarables.add(new ExchangeBuilder(exchange.name(), exchange.type()).durable(true).build());
        }
        for (RabbitTopologyProperties.Queue queue : topology.queues()) {
            declarables.add(QueueBuilder.durable(queue.name()).withArguments(queue.arguments()).build());
        }
        for (RabbitTopologyProperties.Binding binding : topology.bindings()) {
            declarables.add(new Binding(binding.queue(), Binding.DestinationType.QUEUE, binding.exchange(),
                    binding.routingKey(), null));
        }
        return new Declarables(declarables);
    }
}

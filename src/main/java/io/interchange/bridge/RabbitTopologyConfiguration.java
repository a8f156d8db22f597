package io.interchange.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.ExchangeBuilder;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Declares the configured topology before routes start. The bridge sinks publish on connections of
 * their own, so Spring AMQP's declare-on-connect would never fire: the admin is run here, and
 * retried in the background while RabbitMQ cannot be reached (publishes fail until then, and their
 * sources redeliver).
 */
@Configuration(proxyBeanMethods = false)
public class RabbitTopologyConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitTopologyConfiguration.class);

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

    @Bean
    SmartInitializingSingleton declareRabbitTopology(AmqpAdmin admin, RabbitTopologyProperties topology) {
        return () -> {
            if (topology.exchanges().isEmpty() && topology.queues().isEmpty()) {
                return;
            }
            if (!declare(admin)) {
                ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "interchange-rabbitmq-topology");
                    t.setDaemon(true);
                    return t;
                });
                retry.scheduleWithFixedDelay(() -> {
                    if (declare(admin)) {
                        retry.shutdown();
                    }
                }, 5, 5, TimeUnit.SECONDS);
            }
        };
    }

    private static boolean declare(AmqpAdmin admin) {
        try {
            admin.initialize();
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Could not declare the RabbitMQ topology yet (retrying every 5 s): {}", e.getMessage());
            return false;
        }
    }
}

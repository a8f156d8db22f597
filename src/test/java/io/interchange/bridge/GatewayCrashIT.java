package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.GatewayProcess;
import io.interchange.brokers.Brokers;
import io.interchange.cloudevents.TestEvents;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.RabbitMqBroker;

/**
 * The gateway bridging Kafka to RabbitMQ as its own process is killed with SIGKILL three times
 * mid-stream and started again: afterwards every record is on the queue.
 */
class GatewayCrashIT {

    private static final int RECORDS = 20_000;
    private static final String TOPIC = "orders-crash";
    private static final String QUEUE = "orders.created";

    @Test
    void killingTheGatewayThreeTimesLosesNothing() throws Exception {
        Brokers.kafka().createTopic(TOPIC, 6);
        RabbitMqBroker rabbitmq = Brokers.rabbitmq();
        Map<String, String> environment = new HashMap<>();
        environment.putAll(GatewayProperties.kafka(Brokers.kafka()));
        environment.putAll(GatewayProperties.amqp(rabbitmq));
        environment.put("ORDERS_KAFKA_TOPIC", TOPIC);
        environment.put("ORDERS_KAFKA_GROUP_ID", "crash-test");
        environment.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN",
                "file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml");

        Set<String> received = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        try (Connection connection = connect(rabbitmq);
                GatewayProcess gateway = new GatewayProcess("crash", environment)) {
            Channel channel = connection.createChannel();
            // The same topology the gateway declares from config/application.yaml.
            channel.exchangeDeclare("orders", "topic", true);
            channel.queueDeclare(QUEUE, true, false, false, null);
            channel.queueBind(QUEUE, "orders", "order.#");
            channel.basicConsume(QUEUE, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                        byte[] body) {
                    String text = new String(body, StandardCharsets.UTF_8);
                    if (text.startsWith("crash-")) {
                        received.add(text);
                        deliveries.incrementAndGet();
                    }
                }
            });
            produce();

            gateway.start();
            for (int kill = 1; kill <= 3; kill++) {
                int threshold = kill * RECORDS / 5;
                await().atMost(Duration.ofSeconds(120)).until(() -> received.size() >= threshold);
                gateway.kill();
                System.out.printf("Crash %d: gateway killed with SIGKILL after %d of %d records arrived%n", kill,
                        received.size(), RECORDS);
                assertThat(received.size()).as("killed mid-stream").isLessThan(RECORDS);
                gateway.start();
            }
            await().atMost(Duration.ofSeconds(180)).until(() -> received.size() >= RECORDS);
        }
        System.out.printf("Gateway crash test: %d records, %d delivered, %d duplicates after 3 SIGKILLs%n",
                RECORDS, deliveries.get(), deliveries.get() - received.size());
        assertThat(received).hasSize(RECORDS);
    }

    private static void produce() {
        try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(TestEvents.kafkaRecord(TOPIC, "key-" + (i % 100), "crash-" + i, "crash-" + i));
            }
        }
    }

    private static Connection connect(RabbitMqBroker broker) throws Exception {
        return broker.connect("crash-it");
    }
}

package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.Brokers;
import io.interchange.cloudevents.TestEvents;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.RabbitMqBroker;

/**
 * An oversized record among valid ones: it lands on the Kafka dead-letter topic with the reason,
 * and does not hold up the records behind it, which all reach RabbitMQ.
 */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class,
        properties = "camel.main.routes-include-pattern=file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class PoisonMessageIT {

    private static final String TOPIC = "orders-poison";

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        Brokers.kafka().createTopic(TOPIC, 6);
        Brokers.kafka().createTopic("orders.dlt", 1);
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        registry.add("orders.rabbitmq.max-body-bytes", () -> "65536");
        registry.add("orders.kafka.topic", () -> TOPIC);
        registry.add("orders.kafka.group-id", () -> "poison-it");
    }

    @Test
    void anOversizedRecordIsDeadLetteredWithItsReasonAndTheRestArrive() throws Exception {
        String oversized = "x".repeat(100 * 1024);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < 100; i++) {
                producer.send(TestEvents.kafkaRecord(TOPIC, "poison-key", "poison-" + i, "poison-valid-" + i));
                if (i == 50) {
                    producer.send(TestEvents.kafkaRecord(TOPIC, "poison-key", "poison-oversized", oversized));
                }
            }
        }

        Set<String> arrived = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (Connection connection = connect(Brokers.rabbitmq())) {
            Channel channel = connection.createChannel();
            while (arrived.size() < 100 && System.nanoTime() < deadline) {
                GetResponse response = channel.basicGet("orders.created", true);
                if (response == null) {
                    Thread.sleep(50); // the bridge is still catching up
                } else if (new String(response.getBody(), StandardCharsets.UTF_8).startsWith("poison-valid-")) {
                    arrived.add(new String(response.getBody(), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(arrived).as("valid records behind the poison one").hasSize(100);

        Map<String, String> deadLetterHeaders = new HashMap<>();
        int deadLettered = 0;
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of("orders.dlt"));
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (deadLettered == 0 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null && record.value().length == oversized.length()) {
                        deadLettered++;
                        assertThat(record.key()).isEqualTo("poison-key");
                        for (Header header : record.headers()) {
                            deadLetterHeaders.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
                        }
                    }
                }
            }
        }
        assertThat(deadLettered).as("the oversized record on orders.dlt").isEqualTo(1);
        assertThat(deadLetterHeaders)
                .containsEntry("interchange-dlq-route", "orders-kafka-to-rabbitmq")
                .containsEntry("interchange-dlq-exception", MessageTooLargeException.class.getName())
                .containsEntry("interchange-dlq-attempts", "1")
                .containsKey("interchange-dlq-time");
        assertThat(deadLetterHeaders.get("interchange-dlq-first-failure-time")).as("a first-attempt failure")
                .isEqualTo(deadLetterHeaders.get("interchange-dlq-time"));
        assertThat(deadLetterHeaders.get("interchange-dlq-reason")).contains("exceeds the limit of 65536 bytes");
    }

    private static KafkaProducer<String, byte[]> producer() {
        return Brokers.kafka().producer();
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return Brokers.kafka().consumer("poison-it-" + System.nanoTime());
    }

    private static Connection connect(RabbitMqBroker broker) throws Exception {
        return broker.connect("poison-it");
    }
}

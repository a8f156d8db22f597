package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
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
 * RabbitMQ goes away for ten seconds while records keep arriving on Kafka: once it is back, every
 * record is on the queue. Publishes that failed or were never confirmed are read again from Kafka.
 */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class,
        properties = "camel.main.routes-include-pattern=file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class SinkOutageIT {

    private static final int RECORDS = 5_000;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        Brokers.kafka().createTopic("orders", 6);
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Test
    void noRecordIsLostWhileRabbitmqIsDownForTenSeconds() throws Exception {
        RabbitMqBroker rabbitmq = Brokers.rabbitmq();
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> produceSteadily(sent));

        while (sent.get() < RECORDS / 5) {
            Thread.onSpinWait();
        }
        rabbitmq.stop();
        long down = System.nanoTime();
        while (System.nanoTime() - down < Duration.ofSeconds(10).toNanos()) {
            Thread.sleep(100); // the outage itself: ten seconds without RabbitMQ
        }
        int sentDuringOutage = sent.get();
        rabbitmq.start();
        producing.get();
        assertThat(sentDuringOutage).as("records kept arriving during the outage").isGreaterThan(RECORDS / 5);

        Set<String> received = new HashSet<>();
        int deliveries = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection connection = connect(rabbitmq)) {
            Channel channel = connection.createChannel();
            while (received.size() < RECORDS && System.nanoTime() < deadline) {
                GetResponse response = channel.basicGet("orders.created", true);
                if (response == null) {
                    Thread.sleep(50); // the bridge is still catching up
                    continue;
                }
                String body = new String(response.getBody(), StandardCharsets.UTF_8);
                if (body.startsWith("outage-")) {
                    received.add(body);
                    deliveries++;
                }
            }
        }
        System.out.printf("Sink outage: %d records, %d delivered, %d duplicates%n", RECORDS, deliveries,
                deliveries - received.size());
        assertThat(received).as("records on the queue after the outage").hasSize(RECORDS);
    }

    private static void produceSteadily(AtomicInteger sent) {
        try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
            long start = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                // 250 records a second: the stream spans the whole outage
                long due = start + i * 4_000_000L;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                producer.send(TestEvents.kafkaRecord("orders", "key-" + (i % 50), "outage-" + i, "outage-" + i));
                sent.incrementAndGet();
            }
            producer.flush();
        }
    }

    private static Connection connect(RabbitMqBroker broker) throws Exception {
        return broker.connect("outage-it");
    }
}

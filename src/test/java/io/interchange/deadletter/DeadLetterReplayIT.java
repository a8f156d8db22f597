package io.interchange.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.cloudevents.TestEvents;

/**
 * Events dead-lettered by a fault (a sink limit set too low) are replayed once the fault is fixed,
 * with routes/dead-letter-replay.yaml: every one arrives, once, and nothing that had arrived before
 * arrives again.
 */
class DeadLetterReplayIT {

    private static final String TOPIC = "replay-orders";
    private static final String DEAD_LETTERS = "replay-orders.dlt";

    @Test
    void deadLettersReplayedAfterTheFaultIsFixedAllArriveOnce() throws Exception {
        Brokers.kafka().createTopic(TOPIC, 3);
        Brokers.kafka().createTopic(DEAD_LETTERS, 1);
        Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
        try (Connection connection = Brokers.rabbitmq().connect("replay-it")) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("orders", "topic", true);
            channel.queueDeclare("orders.created", true, false, false, null);
            channel.queueBind("orders.created", "orders", "order.#");
            channel.basicConsume("orders.created", true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    Object id = properties.getHeaders() == null ? null : properties.getHeaders().get("cloudEvents:id");
                    if (id != null && id.toString().startsWith("replay-")) {
                        arrivals.computeIfAbsent(id.toString(), k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            });

            // The fault: a sink limit of 1 KiB dead-letters every large event.
            try (ConfigurableApplicationContext faulty = gateway("1024", false)) {
                try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
                    for (int i = 0; i < 10; i++) {
                        producer.send(TestEvents.kafkaRecord(TOPIC, "k" + i, "replay-large-" + i, "x".repeat(4096)));
                        producer.send(TestEvents.kafkaRecord(TOPIC, "k" + i, "replay-small-" + i, "small"));
                    }
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> arrivals.size() == 10);
                await().atMost(Duration.ofSeconds(30)).until(() -> deadLetterCount() == 10);
            }
            assertThat(arrivals.keySet()).allMatch(id -> id.startsWith("replay-small-"));

            // Fixed: a limit of 1 MiB, and the replay of this route's dead letters switched on.
            try (ConfigurableApplicationContext fixed = gateway("1048576", true)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> arrivals.size() == 20);
                // Nothing more arrives: no replayed event twice, no earlier event again.
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15))
                        .until(() -> arrivals.values().stream().allMatch(n -> n.get() == 1));
            }
        }
        assertThat(arrivals).hasSize(20);
        assertThat(arrivals.values()).allMatch(n -> n.get() == 1);
    }

    private static ConfigurableApplicationContext gateway(String maxBodyBytes, boolean replay) {
        Map<String, Object> properties = new java.util.HashMap<>();
        properties.putAll(GatewayProperties.kafka(Brokers.kafka()));
        properties.putAll(GatewayProperties.amqp(Brokers.rabbitmq()));
        String[] args = {
            "--camel.main.routes-include-pattern=file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml,"
                    + "file:routes/dead-letter-replay.yaml",
            "--spring.main.web-application-type=none",
            "--orders.kafka.topic=" + TOPIC,
            "--orders.kafka.group-id=replay-it",
            "--orders.kafka.dead-letter-topic=" + DEAD_LETTERS,
            "--orders.rabbitmq.max-body-bytes=" + maxBodyBytes,
            "--interchange.dead-letter.destinations.orders-kafka-to-rabbitmq=kafka:" + DEAD_LETTERS
                    + "?requestRequiredAcks=all&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                    + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer",
            "--interchange.replay.orders-kafka-to-rabbitmq=" + replay};
        return new SpringApplicationBuilder(InterchangeApplication.class).properties(properties).run(args);
    }

    private static int deadLetterCount() {
        int count = 0;
        try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("replay-count-" + System.nanoTime())) {
            consumer.subscribe(List.of(DEAD_LETTERS));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (new String(record.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8)
                            .startsWith("replay-large-")) {
                        count++;
                    }
                }
            }
        }
        return count;
    }
}

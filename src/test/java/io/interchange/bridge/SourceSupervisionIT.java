package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckAware;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.kafka.FailingOnceAssignor;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;

/**
 * The Kafka source supervised: its poll loop failing (an exception out of poll(), as a commit failing during a
 * rebalance throws) is restarted with a new consumer and nothing is lost; a source stuck on a message makes
 * readiness DOWN, and liveness once its thread has not come back for hung-after, both UP again once it moves.
 */
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(classes = InterchangeApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=0", "camel.main.routes-include-pattern=file:src/test/resources/routes-supervision/supervised.yaml,file:routes/dead-letter.yaml",
        "camel.component.kafka.partition-assignor=io.interchange.bridge.kafka.FailingOnceAssignor",
        "interchange.bridge.stuck-after=3s", "interchange.bridge.hung-after=8s", "supervised.topic=supervised",
        "interchange.dead-letter.destinations.supervised=kafka:supervised.dlt?requestRequiredAcks=all"
                + "&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer"})
class SourceSupervisionIT {

    private static final Set<String> ARRIVED = ConcurrentHashMap.newKeySet();
    private static Connection rabbit;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) throws Exception {
        Brokers.kafka().createTopic("supervised", 3);
        Brokers.kafka().createTopic("supervised.dlt", 1);
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @BeforeAll
    static void sink() throws Exception {
        rabbit = Brokers.rabbitmq().connect("supervision-it");
        Channel channel = rabbit.createChannel();
        channel.exchangeDeclare("supervised", "topic", true);
        channel.queueDeclare("supervised", true, false, false, null);
        channel.queueBind("supervised", "supervised", "#");
        channel.basicConsume("supervised", true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                ARRIVED.add(new String(body, StandardCharsets.UTF_8));
            }
        });
    }

    @AfterAll
    static void close() throws Exception {
        BlockingStep.release.countDown();
        rabbit.close();
    }

    @Autowired
    CamelContext camelContext;

    @LocalManagementPort
    int management;

    @Test
    @Order(1)
    void aPollLoopThatFailsIsRestartedAndNothingIsLost() throws Exception {
        produce("record-", 300);
        await().atMost(Duration.ofSeconds(90)).until(() -> ARRIVED.size() >= 300);
        assertThat(FailingOnceAssignor.FAILED).as("the first assignment failed the poll loop").isTrue();
        assertThat(health().recentRestarts()).as("restarts of the source").isGreaterThanOrEqualTo(1);
        assertThat(health().state()).isEqualTo(SourceHealth.State.RUNNING);
        for (int i = 0; i < 300; i++) {
            assertThat(ARRIVED).contains("record-" + i);
        }
    }

    @Test
    @Order(2)
    void aStuckSourceIsNotReadyAndAHungOneNotLiveUntilItMovesAgain() throws Exception {
        BlockingStep.release = new CountDownLatch(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> status("/actuator/health/readiness") == 200);
        produce("block", 1);
        produce("after-block-", 20);

        await().atMost(Duration.ofSeconds(30)).until(() -> status("/actuator/health/readiness") == 503);
        assertThat(health().backlog()).as("messages waiting").isPositive();
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/actuator/health/liveness") == 503);

        BlockingStep.release.countDown();
        await().atMost(Duration.ofSeconds(60)).until(() -> ARRIVED.size() >= 300 + 21);
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/actuator/health/readiness") == 200
                && status("/actuator/health/liveness") == 200);
    }

    private SourceHealth health() {
        return (SourceHealth) ((HealthCheckAware) camelContext.getRoute("supervised").getConsumer()).getHealthCheck();
    }

    private int status(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + path))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static void produce(String prefix, int count) throws Exception {
        try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
            for (int i = 0; i < count; i++) {
                String body = count == 1 && !prefix.endsWith("-") ? prefix : prefix + i;
                producer.send(new ProducerRecord<>("supervised", "k" + (i % 7), body.getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }
}

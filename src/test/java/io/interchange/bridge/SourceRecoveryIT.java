package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckAware;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Sources that heal: a RabbitMQ queue deleted under its consumer (the broker cancels it) and re-created, and
 * every connection closed by the broker, are consumed again, with exactly one connection of the source left
 * open; an SQS message whose processing takes longer than its visibility timeout is processed once, not
 * handed to a second poller.
 */
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "camel.main.routes-include-pattern=file:src/test/resources/routes-supervision/recovery.yaml,file:routes/dead-letter.yaml",
        "interchange.dead-letter.destinations.recovery-rabbitmq=interchange-rabbitmq:recovery?routingKey=dead",
        "interchange.dead-letter.destinations.recovery-sqs=interchange-rabbitmq:recovery?routingKey=dead"})
class SourceRecoveryIT {

    private static final Set<String> ARRIVED = ConcurrentHashMap.newKeySet();
    private static String sqsUrl;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) throws Exception {
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            sqsUrl = SqsQueues.create(sqs, "recovery-in", false);
        }
        try (Connection rabbit = Brokers.rabbitmq().connect("recovery-setup")) {
            Channel channel = rabbit.createChannel();
            channel.queueDeclare("recovery-in", true, false, false, null);
        }
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
    }

    private static Connection observer;

    @BeforeAll
    static void observe() throws Exception {
        observer = Brokers.rabbitmq().connect("recovery-observer");
        Channel channel = observer.createChannel();
        channel.exchangeDeclare("recovery", "topic", true);
        channel.queueDeclare("recovery-out", true, false, false, null);
        channel.queueBind("recovery-out", "recovery", "#");
        channel.basicConsume("recovery-out", true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                ARRIVED.add(new String(body, StandardCharsets.UTF_8));
            }
        });
    }

    @AfterAll
    static void close() throws Exception {
        if (observer.isOpen()) {
            observer.close();
        }
    }

    @Autowired
    CamelContext camelContext;

    @Test
    void aDeletedQueueAndClosedConnectionsAreConsumedAgainWithoutLeakingConnections() throws Exception {
        publish("before-", 10);
        await().atMost(Duration.ofSeconds(30)).until(() -> ARRIVED.containsAll(names("before-", 10)));

        try (Connection admin = Brokers.rabbitmq().connect("recovery-admin")) {
            Channel channel = admin.createChannel();
            channel.queueDelete("recovery-in");
            await().atMost(Duration.ofSeconds(30)).until(() -> health("recovery-rabbitmq").state() != SourceHealth.State.RUNNING);
            channel.queueDeclare("recovery-in", true, false, false, null);
        }
        publish("after-delete-", 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> ARRIVED.containsAll(names("after-delete-", 10)));

        Brokers.rabbitmq().ctl("close_all_connections", "closed by the test");
        observe();
        publish("after-close-", 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> ARRIVED.containsAll(names("after-close-", 10)));
        await().atMost(Duration.ofSeconds(30)).until(() -> health("recovery-rabbitmq").state() == SourceHealth.State.RUNNING);
        String connections = Brokers.rabbitmq().ctl("list_connections", "--quiet", "--no-table-headers", "client_properties");
        long sources = Arrays.stream(connections.split("\n")).filter(l -> l.contains("interchange-source-recovery-in")).count();
        assertThat(sources).as("open connections of the RabbitMQ source").isEqualTo(1);
    }

    @Test
    void anSqsMessageSlowerThanItsVisibilityTimeoutIsProcessedOnce() throws Exception {
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            for (int i = 0; i < 4; i++) {
                String body = "slow-" + i;
                sqs.sendMessage(r -> r.queueUrl(sqsUrl).messageBody(body));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> ARRIVED.containsAll(names("slow-", 4)));
            await().atMost(Duration.ofSeconds(30)).until(() -> SqsQueues.size(sqs, sqsUrl) == 0);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(BlockingStep.SEEN.get("slow-" + i).get()).as("slow-" + i + " processed (2 s visibility, 5 s work)")
                    .isEqualTo(1);
        }
    }

    private SourceHealth health(String route) {
        return (SourceHealth) ((HealthCheckAware) camelContext.getRoute(route).getConsumer()).getHealthCheck();
    }

    private static Set<String> names(String prefix, int count) {
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < count; i++) {
            names.add(prefix + i);
        }
        return names;
    }

    private static void publish(String prefix, int count) throws Exception {
        try (Connection connection = Brokers.rabbitmq().connect("recovery-publisher")) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            for (int i = 0; i < count; i++) {
                channel.basicPublish("", "recovery-in", new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                        (prefix + i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(30_000);
        }
    }
}

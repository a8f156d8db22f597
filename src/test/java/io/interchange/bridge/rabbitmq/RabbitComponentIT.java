package io.interchange.bridge.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.BridgeHeaders;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;

/**
 * The RabbitMQ component's failure paths on a real RabbitMQ server: a publish no queue is bound for
 * fails as unroutable instead of being confirmed and lost, a delivery whose route failed is
 * requeued and delivered again instead of being acked, and a stop leaves no delivery processed and unacked.
 */
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class,
        properties = "interchange.routes-dir=src/test/resources/routes-heartbeat")
class RabbitComponentIT {

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    @Test
    void aPublishNoQueueTakesFailsAsUnroutable() throws Exception {
        try (Connection connection = Brokers.rabbitmq().connect("unroutable-it")) {
            connection.createChannel().exchangeDeclare("unroutable-it", "topic", true);
        }

        assertThatThrownBy(() -> producer.sendBody("interchange-rabbitmq:unroutable-it?routingKey=nobody.listens",
                new byte[] {1}))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(UnroutableMessageException.class)
                .rootCause().hasMessageContaining("NO_ROUTE").hasMessageContaining("nobody.listens");
    }

    /**
     * Returns carry no sequence number: with routable and unroutable publishes in flight together, exactly
     * the unroutable ones fail and every routable one is confirmed and in the queue.
     */
    @Test
    void amongPipelinedPublishesExactlyTheUnroutableOnesFail() throws Exception {
        try (Connection connection = Brokers.rabbitmq().connect("mixed-it")) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("mixed-it", "topic", true);
            channel.queueDeclare("mixed-it", true, false, false, null);
            channel.queuePurge("mixed-it");
            channel.queueBind("mixed-it", "mixed-it", "bound.#");
        }
        List<Future<Object>> sends = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // Same bodies on both sides, so only the routing key tells them apart.
            String routingKey = i % 3 == 0 ? "nobody.listens" : "bound.key";
            sends.add(producer.asyncRequestBodyAndHeader("interchange-rabbitmq:mixed-it?useMessageRoutingKey=true",
                    ("m-" + (i / 2)).getBytes(), BridgeHeaders.ROUTING_KEY, routingKey));
        }
        int failed = 0;
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(30, TimeUnit.SECONDS);
                assertThat(i % 3).as("publish %d was confirmed", i).isNotZero();
            } catch (ExecutionException e) {
                assertThat(i % 3).as("publish %d failed: %s", i, e.getCause()).isZero();
                assertThat(e).hasRootCauseInstanceOf(UnroutableMessageException.class);
                failed++;
            }
        }
        assertThat(failed).isEqualTo(134);
        try (Connection connection = Brokers.rabbitmq().connect("mixed-it-check")) {
            assertThat(connection.createChannel().messageCount("mixed-it")).isEqualTo(400 - 134);
        }
    }

    /**
     * The client counts a confirm number before it encodes a publish: one it cannot encode (a routing key
     * over 255 bytes) is dead-lettered, and the channel is replaced so later confirms complete the right
     * exchanges.
     */
    @Test
    void aPublishTheClientCannotEncodeIsUndeliverableAndLaterPublishesAreConfirmedCorrectly() throws Exception {
        try (Connection connection = Brokers.rabbitmq().connect("encode-it")) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("encode-it", "topic", true);
            channel.queueDeclare("encode-it", true, false, false, null);
            channel.queuePurge("encode-it");
            channel.queueBind("encode-it", "encode-it", "bound.#");
        }
        String uri = "interchange-rabbitmq:encode-it?useMessageRoutingKey=true";
        assertThatThrownBy(() -> producer.sendBodyAndHeader(uri, "too long".getBytes(), BridgeHeaders.ROUTING_KEY,
                "bound." + "k".repeat(300)))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .cause().isInstanceOf(io.interchange.bridge.UndeliverableException.class);
        for (int i = 0; i < 20; i++) {
            producer.sendBodyAndHeader(uri, ("ok-" + i).getBytes(), BridgeHeaders.ROUTING_KEY, "bound.ok");
        }
        assertThatThrownBy(() -> producer.sendBodyAndHeader(uri, "nobody".getBytes(), BridgeHeaders.ROUTING_KEY,
                "nobody.listens")).hasRootCauseInstanceOf(UnroutableMessageException.class);
        try (Connection connection = Brokers.rabbitmq().connect("encode-it-check")) {
            assertThat(connection.createChannel().messageCount("encode-it")).isEqualTo(20);
        }
    }

    @Test
    void aDeliveryWhoseRouteFailedIsRequeuedAndDeliveredAgain() throws Exception {
        try (Connection connection = Brokers.rabbitmq().connect("requeue-it")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare("requeue-it", true, false, false, null);
            channel.basicPublish("", "requeue-it", null, "once".getBytes());
        }
        AtomicInteger deliveries = new AtomicInteger();
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("interchange-rabbitmq:requeue-it?retryBackoffMillis=100").routeId("requeue-it")
                        .process(exchange -> {
                            if (deliveries.incrementAndGet() == 1) {
                                throw new IllegalStateException("first delivery fails");
                            }
                        });
            }
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> deliveries.get() >= 2);
        try (Connection connection = Brokers.rabbitmq().connect("requeue-it-check")) {
            Channel channel = connection.createChannel();
            await().atMost(Duration.ofSeconds(10)).until(() -> channel.messageCount("requeue-it") == 0
                    && channel.consumerCount("requeue-it") == 1);
        }
        camelContext.getRouteController().stopRoute("requeue-it");
        assertThat(deliveries).as("failed once, then acked").hasValue(2);
    }

    /**
     * A stop while the client still holds deliveries it has not handed to the route (the route here runs on the
     * client's dispatch thread, one delivery at a time): the stop returns only once every delivery the route got is
     * acked, and nothing reaches the route after it; the rest go back to the queue for the next consumer.
     */
    @Test
    void aStopAcksEveryDeliveryTheRouteGotAndNoneReachesItAfterwards() throws Exception {
        int published = 40;
        try (Connection connection = Brokers.rabbitmq().connect("stop-drain-it")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare("stop-drain-it", true, false, false, null);
            channel.queuePurge("stop-drain-it");
            for (int i = 0; i < published; i++) {
                channel.basicPublish("", "stop-drain-it", null, ("m-" + i).getBytes());
            }
        }
        List<String> processed = java.util.Collections.synchronizedList(new ArrayList<>());
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("interchange-rabbitmq:stop-drain-it").routeId("stop-drain-it").process(exchange -> {
                    Thread.sleep(50);
                    processed.add(exchange.getMessage().getBody(String.class));
                });
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> processed.size() >= 3);

        camelContext.getRouteController().stopRoute("stop-drain-it");
        int atStop = processed.size();
        Thread.sleep(1_000); // what the client still held would reach the route now

        assertThat(processed).as("deliveries that reached the route after the stop returned").hasSize(atStop)
                .doesNotHaveDuplicates();
        assertThat(atStop).as("stopped mid-stream").isLessThan(published);
        try (Connection connection = Brokers.rabbitmq().connect("stop-drain-it-check")) {
            assertThat(connection.createChannel().messageCount("stop-drain-it"))
                    .as("every delivery the route got was acked, the others are back in the queue")
                    .isEqualTo(published - atStop);
        }
    }
}

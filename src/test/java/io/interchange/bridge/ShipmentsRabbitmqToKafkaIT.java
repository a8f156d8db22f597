package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;

/** The example route, loaded from routes/, from a real RabbitMQ server to a real Kafka broker. */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class,
        properties = "camel.main.routes-include-pattern=file:routes/shipments-rabbitmq-to-kafka.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class ShipmentsRabbitmqToKafkaIT {

    private static final String TOPIC = "shipments";

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        Brokers.kafka().createTopic(TOPIC, 6);
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Autowired
    CamelContext camelContext;

    private Connection rabbit;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        rabbit = Brokers.rabbitmq().connect("shipments-it");
        channel = rabbit.createChannel();
        channel.confirmSelect();
    }

    @AfterEach
    void disconnect() throws Exception {
        rabbit.close();
    }

    @Test
    void bridgesOneThousandKeyedMessagesAllArriveInOrderPerKey() throws Exception {
        for (int seq = 0; seq < 100; seq++) {
            for (int key = 0; key < 10; key++) {
                publish("shipment.requested", "key-" + key, Map.of(), "key-" + key + ":" + seq);
            }
        }
        channel.waitForConfirmsOrDie(30_000);

        Map<String, List<Integer>> perKey = new HashMap<>();
        int total = 0;
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (total < 1000 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (!record.key().startsWith("key-")) {
                        continue; // another test's record on the shared topic
                    }
                    String[] parts = new String(record.value(), StandardCharsets.UTF_8).split(":");
                    assertThat(record.key()).as("record key from interchange-key").isEqualTo(parts[0]);
                    perKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
                    total++;
                }
            }
        }
        assertThat(total).isEqualTo(1000);
        assertThat(perKey).hasSize(10);
        perKey.forEach((key, seqs) -> assertThat(seqs).as(key).isSorted().hasSize(100).doesNotHaveDuplicates());
    }

    @Test
    void theRabbitmqSourceAdmitsOnlyTheBindingAndKafkaGetsTheEventInItsOwnBinding() throws Exception {
        channel.queueDeclare("header-probe", true, false, false, null);
        MockEndpoint seen = camelContext.getEndpoint("mock:seen-by-rabbitmq-source", MockEndpoint.class);
        seen.expectedMessageCount(1);
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("interchange-rabbitmq:header-probe").routeId("rabbitmq-header-probe")
                        .to("mock:seen-by-rabbitmq-source");
            }
        });
        Map<String, Object> injected = Map.of("CamelExecCommandExecutable", "/bin/sh", "cAmElFileName", "x",
                "CAMELHTTPURI", "http://evil", "org.apache.camel.Foo", "x", "ce_id", "1", "x-not-allowed", "x",
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        Map<String, Object> probe = new HashMap<>(injected);
        probe.put("cloudEvents:id", "probe-0");
        channel.basicPublish("", "header-probe", new AMQP.BasicProperties.Builder().headers(probe).build(),
                new byte[] {1});
        publish("shipment.requested", "probe", injected, "probe:0");
        channel.waitForConfirmsOrDie(30_000);

        seen.assertIsSatisfied(30_000);
        assertThat(seen.getReceivedExchanges().get(0).getMessage().getHeaders().keySet())
                .contains("cloudEvents:id", "traceparent")
                .noneMatch(n -> n.toLowerCase().startsWith("camel") || n.toLowerCase().startsWith("org.apache.camel"))
                .doesNotContain("ce_id", "x-not-allowed");

        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(TOPIC));
            List<String> headerNames = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if ("probe".equals(record.key())) {
                        for (Header header : record.headers()) {
                            headerNames.add(header.key());
                        }
                        return true;
                    }
                }
                return false;
            });
            assertThat(headerNames).contains("ce_id", "ce_source", "ce_type", "ce_specversion")
                    .doesNotContain("x-not-allowed", "CamelExecCommandExecutable", "cAmElFileName", "CAMELHTTPURI",
                            "org.apache.camel.Foo", "InterchangeRoutingKey", "cloudEvents:id", "interchange-key");
        }
        camelContext.getRouteController().stopRoute("rabbitmq-header-probe");
    }

    /** A shipment request CloudEvent in the AMQP binding, keyed by {@code interchange-key}. */
    private void publish(String routingKey, String key, Map<String, Object> headers, String body) throws Exception {
        Map<String, Object> all = new HashMap<>(headers);
        all.putAll(Map.of("cloudEvents:specversion", "1.0", "cloudEvents:id", body,
                "cloudEvents:source", "/shipments/warehouse", "cloudEvents:type", "com.example.shipments.shipment.requested"));
        all.put("interchange-key", key);
        channel.basicPublish("shipments", routingKey, true,
                new AMQP.BasicProperties.Builder().deliveryMode(2).contentType("text/plain").headers(all).build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return Brokers.kafka().consumer("shipments-it-" + System.nanoTime());
    }
}

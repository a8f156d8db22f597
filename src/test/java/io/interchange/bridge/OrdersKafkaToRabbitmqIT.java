package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.micrometer.core.instrument.MeterRegistry;
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
import io.interchange.brokers.Brokers;
import io.interchange.cloudevents.TestEvents;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.KafkaBroker;

/** The example route, loaded from routes/, between a real Kafka broker and a real RabbitMQ server. */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class,
        // Only the route under test, so other example routes sharing the topic do not read its records.
        properties = "camel.main.routes-include-pattern=file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class OrdersKafkaToRabbitmqIT {

    private static final String TOPIC = "orders";
    private static final String QUEUE = "orders.created";

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        KafkaBroker kafka = Brokers.kafka();
        kafka.createTopic(TOPIC, 6);
        GatewayProperties.kafka(kafka).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Autowired
    CamelContext camelContext;

    @Autowired
    MeterRegistry meters;

    private Connection rabbit;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        rabbit = Brokers.rabbitmq().connect("orders-it");
        channel = rabbit.createChannel();
    }

    @AfterEach
    void disconnect() throws Exception {
        rabbit.close();
    }

    @Test
    void bridgesOneThousandKeyedRecordsAllArriveInOrderPerKey() throws Exception {
        List<String[]> received = new CopyOnWriteArrayList<>();
        channel.basicConsume(QUEUE, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                String text = new String(body, StandardCharsets.UTF_8);
                if (text.startsWith("key-")) { // the queue is shared with other tests
                    received.add(text.split(":"));
                }
            }
        });

        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int seq = 0; seq < 100; seq++) {
                for (int key = 0; key < 10; key++) {
                    producer.send(TestEvents.kafkaRecord(TOPIC, "key-" + key, "e-" + key + "-" + seq,
                            "key-" + key + ":" + seq));
                }
            }
            producer.flush();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 1000);
        assertThat(received).hasSize(1000);
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (String[] message : received) {
            perKey.computeIfAbsent(message[0], k -> new ArrayList<>()).add(Integer.parseInt(message[1]));
        }
        assertThat(perKey).hasSize(10);
        perKey.forEach((key, seqs) -> assertThat(seqs).as(key).isSorted().hasSize(100).doesNotHaveDuplicates());

        String route = "orders-kafka-to-rabbitmq";
        // A consumer may see a message before the gateway has processed its confirm: wait for the meters.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(meters.get("interchange.bridge.latency").tag("routeId", route).timer().count())
                    .as("end-to-end latency recorded per confirmed record").isGreaterThanOrEqualTo(1000);
            assertThat(meters.get("interchange.bridge.in.flight").tag("routeId", route).gauge().value()).isZero();
            assertThat(meters.get("interchange.bridge.completed").tag("routeId", route).counter().count())
                    .isGreaterThanOrEqualTo(1000);
            assertThat(meters.get("interchange.bridge.received").tag("routeId", route).counter().count())
                    .isGreaterThanOrEqualTo(1000);
        });
    }

    @Test
    void theKafkaSourceAdmitsOnlyTheBindingAndTheSinkCarriesOnlyAllowListedOnes() throws Exception {
        MockEndpoint seen = camelContext.getEndpoint("mock:seen-by-kafka-source", MockEndpoint.class);
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("interchange-kafka:header-probe?groupId=header-probe").routeId("header-probe")
                        .to("mock:seen-by-kafka-source");
            }
        });
        seen.expectedMessageCount(1);
        List<AMQP.BasicProperties> published = new CopyOnWriteArrayList<>();
        channel.basicConsume(QUEUE, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                published.add(properties);
            }
        });

        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (String topic : List.of("header-probe", TOPIC)) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "k", new byte[] {1});
                addCloudEventHeaders(record, "probe");
                for (String name : List.of("CamelExecCommandExecutable", "cAmElFileName", "CAMELHTTPURI",
                        "org.apache.camel.Foo", "x-not-allowed")) {
                    record.headers().add(name, "/bin/sh".getBytes(StandardCharsets.UTF_8));
                }
                producer.send(record);
            }
        }

        seen.assertIsSatisfied(30_000);
        Map<String, Object> headers = seen.getReceivedExchanges().get(0).getMessage().getHeaders();
        assertThat(headers.keySet()).noneMatch(n -> n.toLowerCase().startsWith("camel")
                || n.toLowerCase().startsWith("org.apache.camel")).contains("ce_id").doesNotContain("x-not-allowed");

        await().atMost(Duration.ofSeconds(30)).until(() -> !published.isEmpty());
        Map<String, Object> amqpHeaders = published.get(0).getHeaders();
        assertThat(amqpHeaders.get("cloudEvents:id")).hasToString("probe");
        assertThat(amqpHeaders).doesNotContainKeys("ce_id", "x-not-allowed",
                "CamelExecCommandExecutable",
                "cAmElFileName", "CAMELHTTPURI", "org.apache.camel.Foo");
        assertThat(published.get(0).getDeliveryMode()).as("persistent").isEqualTo(2);
        camelContext.getRouteController().stopRoute("header-probe");
    }

    @Test
    void anInvalidEventGoesToTheKafkaDeadLetterTopicWithItsViolationsAndAStructuredEventAfterItArrivesIntact() throws Exception {
        List<byte[]> bodies = new CopyOnWriteArrayList<>();
        List<AMQP.BasicProperties> published = new CopyOnWriteArrayList<>();
        channel.basicConsume(QUEUE, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                published.add(properties);
                bodies.add(body);
            }
        });
        String structured = "{\"specversion\":\"1.0\",\"id\":\"s-1\",\"source\":\"/orders\",\"type\":"
                + "\"com.example.orders.order.created\",\"time\":\"2026-01-25T10:30:00Z\",\"correlationid\":\"c-9\","
                + "\"datacontenttype\":\"application/json\",\"data\":{\"orderId\" : 12.50}}";
        try (KafkaProducer<String, byte[]> producer = producer()) {
            ProducerRecord<String, byte[]> invalid = new ProducerRecord<>(TOPIC, "bad", new byte[] {1});
            addCloudEventHeaders(invalid, "");
            producer.send(invalid);
            ProducerRecord<String, byte[]> valid = new ProducerRecord<>(TOPIC, "good", structured.getBytes(StandardCharsets.UTF_8));
            valid.headers().add("content-type", "application/cloudevents+json; charset=UTF-8".getBytes(StandardCharsets.UTF_8));
            producer.send(valid);
        }

        // The queue may still hold messages of other tests: look for this test's event.
        await().atMost(Duration.ofSeconds(60)).until(() -> indexOf(published, "s-1") >= 0);
        Map<String, String> dead = deadLetterHeadersOfKey("bad");
        assertThat(dead).containsEntry("interchange-ce-violations", "required attribute 'id' is empty")
                .containsEntry("interchange-dlq-exception", "io.interchange.cloudevents.InvalidCloudEventException")
                .containsEntry("interchange-dlq-route", "orders-kafka-to-rabbitmq")
                .containsEntry("interchange-dlq-attempts", "1");
        int index = indexOf(published, "s-1");
        // The RabbitMQ client hands string headers over as LongString.
        Map<String, String> headers = new HashMap<>();
        published.get(index).getHeaders().forEach((k, v) -> headers.put(k, v.toString()));
        assertThat(headers).containsEntry("cloudEvents:id", "s-1").containsEntry("cloudEvents:correlationid", "c-9")
                .containsEntry("cloudEvents:time", "2026-01-25T10:30:00Z").containsEntry("cloudEvents:specversion", "1.0")
                .containsEntry("cloudEvents:source", "/orders")
                .containsEntry("cloudEvents:type", "com.example.orders.order.created");
        assertThat(published.get(index).getContentType()).isEqualTo("application/json");
        assertThat(new String(bodies.get(index), StandardCharsets.UTF_8)).isEqualTo("{\"orderId\" : 12.50}");
    }

    /** The headers of the record with this key on the dead-letter topic orders.dlt. */
    private static Map<String, String> deadLetterHeadersOfKey(String key) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "dead-letter-reader-" + System.nanoTime());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Map<String, String> headers = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
            consumer.subscribe(List.of("orders.dlt"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) {
                        record.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
                        return true;
                    }
                }
                return false;
            });
        }
        return headers;
    }

    private static int indexOf(List<AMQP.BasicProperties> published, String id) {
        for (int i = 0; i < published.size(); i++) {
            Map<String, Object> headers = published.get(i).getHeaders();
            if (headers != null && headers.get("cloudEvents:id") != null && id.equals(headers.get("cloudEvents:id").toString())) {
                return i;
            }
        }
        return -1;
    }

    private static void addCloudEventHeaders(ProducerRecord<String, byte[]> record, String id) {
        Map<String, String> headers = Map.of("ce_specversion", "1.0", "ce_id", id, "ce_source", "/orders/order-service",
                "ce_type", "com.example.orders.order.created", "content-type", "text/plain");
        headers.forEach((name, value) -> record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
    }

    private static KafkaProducer<String, byte[]> producer() {
        return Brokers.kafka().producer();
    }
}

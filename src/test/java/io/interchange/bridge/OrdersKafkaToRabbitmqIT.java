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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.KafkaBroker;
import io.interchange.brokers.RabbitMqBroker;

/** The example route, loaded from routes/, between a real Kafka broker and a real RabbitMQ server. */
@SpringBootTest(classes = InterchangeApplication.class,
        // Only the route under test, so other example routes sharing the topic do not read its records.
        properties = "camel.main.routes-include-pattern=file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml")
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
        RabbitMqBroker broker = Brokers.rabbitmq();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(broker.host());
        factory.setPort(broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        rabbit = factory.newConnection("orders-it");
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
                received.add(new String(body, StandardCharsets.UTF_8).split(":"));
            }
        });

        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int seq = 0; seq < 100; seq++) {
                for (int key = 0; key < 10; key++) {
                    producer.send(new ProducerRecord<>(TOPIC, "key-" + key,
                            ("key-" + key + ":" + seq).getBytes(StandardCharsets.UTF_8)));
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
        assertThat(meters.get("interchange.bridge.latency").tag("routeId", route).timer().count())
                .as("end-to-end latency recorded per confirmed record").isGreaterThanOrEqualTo(1000);
        assertThat(meters.get("interchange.bridge.in.flight").tag("routeId", route).gauge().value()).isZero();
        assertThat(meters.get("camel.exchanges.succeeded").tag("routeId", route).counter().count())
                .isGreaterThanOrEqualTo(1000);
    }

    @Test
    void theKafkaSourceDropsCamelHeadersInAnyCaseAndTheSinkCarriesOnlyAllowListedOnes() throws Exception {
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
                for (String name : List.of("CamelExecCommandExecutable", "cAmElFileName", "CAMELHTTPURI",
                        "org.apache.camel.Foo", "ce_id", "x-not-allowed")) {
                    record.headers().add(name, "/bin/sh".getBytes(StandardCharsets.UTF_8));
                }
                producer.send(record);
            }
        }

        seen.assertIsSatisfied(30_000);
        Map<String, Object> headers = seen.getReceivedExchanges().get(0).getMessage().getHeaders();
        assertThat(headers.keySet()).noneMatch(n -> n.toLowerCase().startsWith("camel")
                || n.toLowerCase().startsWith("org.apache.camel")).contains("ce_id", "x-not-allowed");

        await().atMost(Duration.ofSeconds(30)).until(() -> !published.isEmpty());
        Map<String, Object> amqpHeaders = published.get(0).getHeaders();
        assertThat(amqpHeaders).containsKey("ce_id").doesNotContainKeys("x-not-allowed", "CamelExecCommandExecutable",
                "cAmElFileName", "CAMELHTTPURI", "org.apache.camel.Foo");
        assertThat(published.get(0).getDeliveryMode()).as("persistent").isEqualTo(2);
        camelContext.getRouteController().stopRoute("header-probe");
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(properties);
    }
}

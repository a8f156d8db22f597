package io.interchange.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * CloudEvents through real brokers: the same event travels Kafka -> RabbitMQ -> SQS -> Kafka in
 * binary and in structured mode and arrives with every attribute, extension and its data intact;
 * the malformed corpus, sent through the shipped Kafka -> RabbitMQ route, lands on the dead-letter
 * topic case by case with its violations while the valid events between them arrive.
 */
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = "camel.main.routes-include-pattern="
        + "file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class CloudEventsConformanceIT {

    private static final String CORPUS_TOPIC = "ce-corpus";

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        Brokers.kafka().createTopic(CORPUS_TOPIC, 1);
        for (String mode : List.of("binary", "structured")) {
            Brokers.kafka().createTopic("ce-trip-in-" + mode, 1);
            Brokers.kafka().createTopic("ce-trip-out-" + mode, 1);
        }
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            SqsQueues.create(sqs, "ce-trip-binary", false);
            SqsQueues.create(sqs, "ce-trip-structured", false);
        }
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
        registry.add("orders.kafka.topic", () -> CORPUS_TOPIC);
        registry.add("orders.kafka.group-id", () -> "ce-corpus");
    }

    @Autowired
    CamelContext camelContext;

    @Test
    void theSameEventRoundTripsKafkaRabbitmqSqsKafkaInBothModesWithEverythingIntact() throws Exception {
        declareTripQueues();
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (String mode : List.of("binary", "structured")) {
                    from("interchange-kafka:ce-trip-in-" + mode + "?groupId=ce-trip-" + mode).routeId("trip-kafka-" + mode)
                            .to("interchange-cloudevents:read?binding=kafka")
                            .to("interchange-cloudevents:write?binding=amqp&mode=" + mode)
                            .to("interchange-rabbitmq:ce-trip?routingKey=" + mode);
                    from("interchange-rabbitmq:ce-trip-" + mode).routeId("trip-rabbitmq-" + mode)
                            .to("interchange-cloudevents:read?binding=amqp")
                            .to("interchange-cloudevents:write?binding=sqs&mode=" + mode)
                            .to("interchange-sqs:ce-trip-" + mode);
                    from("interchange-sqs:ce-trip-" + mode).routeId("trip-sqs-" + mode)
                            .to("interchange-cloudevents:read?binding=sqs")
                            .to("interchange-cloudevents:write?binding=kafka&mode=" + mode)
                            .to("kafka:ce-trip-out-" + mode + "?requestRequiredAcks=all"
                                    + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer");
                }
            }
        });

        // The Kafka binding document's binary example, with extensions; then the JSON format's structured example.
        ProducerRecord<String, byte[]> binary = new ProducerRecord<>("ce-trip-in-binary", "trip",
                "{\"orderId\":\"o-1\",\"total\":12.50}".getBytes(StandardCharsets.UTF_8));
        Map<String, String> attributes = Map.of("ce_specversion", "1.0", "ce_type", "com.example.orders.order.created",
                "ce_source", "/mycontext/subcontext", "ce_id", "1234-1234-1234", "ce_time", "2018-04-05T03:56:24Z",
                "ce_subject", "order/o-1", "ce_dataschema", "https://example.com/schemas/order.json",
                "ce_correlationid", "c-42", "ce_comexampleextension1", "value", "content-type", "application/json");
        attributes.forEach((k, v) -> binary.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        String structured = "{\"specversion\":\"1.0\",\"type\":\"com.example.someevent\",\"source\":\"/mycontext\","
                + "\"id\":\"A234-1234-1234\",\"time\":\"2018-04-05T17:31:00Z\",\"comexampleextension1\":\"value\","
                + "\"comexampleothervalue\":5,\"correlationid\":\"c-43\",\"datacontenttype\":\"application/json\","
                + "\"data\":{\"appinfoA\":\"abc\",\"appinfoB\":123,\"appinfoC\":true}}";
        ProducerRecord<String, byte[]> structuredRecord = new ProducerRecord<>("ce-trip-in-structured", "trip",
                structured.getBytes(StandardCharsets.UTF_8));
        structuredRecord.headers().add("content-type", "application/cloudevents+json; charset=UTF-8".getBytes());
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(binary);
            producer.send(structuredRecord);
        }

        ConsumerRecord<String, byte[]> binaryOut = readOne("ce-trip-out-binary");
        Map<String, String> outHeaders = new HashMap<>();
        for (Header header : binaryOut.headers()) {
            outHeaders.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        assertThat(outHeaders).containsAllEntriesOf(attributes);
        assertThat(binaryOut.value()).as("data, byte for byte").isEqualTo(binary.value());

        ConsumerRecord<String, byte[]> structuredOut = readOne("ce-trip-out-structured");
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(structuredOut.value())).as("every attribute, extension and the data")
                .isEqualTo(json.readTree(structured));
        assertThat(new String(structuredOut.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8))
                .startsWith("application/cloudevents+json");
    }

    @Test
    void everyMalformedEventIsDeadLetteredWithItsReasonAndTheValidOnesBetweenThemArrive() throws Exception {
        List<MalformedEvents.Case> corpus = MalformedEvents.all().stream().filter(MalformedEvents.Case::encodableAsUtf8).toList();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(30);
        Set<String> arrived = ConcurrentHashMap.newKeySet();
        try (Connection connection = connect(); KafkaProducer<String, byte[]> producer = producer()) {
            Channel channel = connection.createChannel();
            channel.basicConsume("orders.created", true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    Object id = properties.getHeaders() == null ? null : properties.getHeaders().get("cloudEvents:id");
                    if (id != null && id.toString().startsWith("corpus-valid-")) {
                        arrived.add(id.toString());
                    }
                }
            });
            for (int i = 0; i < corpus.size(); i++) {
                producer.send(record("corpus-valid-" + i, MalformedEvents.validKafkaHeaders("corpus-valid-" + i),
                        MalformedEvents.validData("v" + i)));
                MalformedEvents.Case malformed = corpus.get(i);
                producer.send(record("case-" + i, malformed.wire(), malformed.body()));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(90)).until(() -> arrived.size() == corpus.size());
        }

        Map<String, Map<String, String>> deadLetters = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of("orders.dlt"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null && record.key().startsWith("case-")) {
                        Map<String, String> headers = new HashMap<>();
                        record.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
                        deadLetters.put(record.key(), headers);
                    }
                }
                return deadLetters.size() == corpus.size();
            });
        }
        for (int i = 0; i < corpus.size(); i++) {
            MalformedEvents.Case malformed = corpus.get(i);
            Map<String, String> headers = deadLetters.get("case-" + i);
            assertThat(headers).as(malformed.name()).containsEntry("interchange-dlq-attempts", "1")
                    .containsEntry("interchange-dlq-exception", InvalidCloudEventException.class.getName());
            if (malformed.headers().keySet().stream().noneMatch(k -> k.startsWith("cloudEvents"))) {
                assertThat(headers.get("interchange-ce-violations")).as(malformed.name()).contains(malformed.reason());
            } else {
                assertThat(headers.get("interchange-ce-violations")).as(malformed.name()).isNotBlank();
            }
        }
    }

    private static ProducerRecord<String, byte[]> record(String key, Map<String, Object> headers, byte[] body) {
        return record(key, List.copyOf(headers.entrySet()), body);
    }

    /** Headers as a Kafka record carries them: in order, repeats included, values as bytes. */
    private static ProducerRecord<String, byte[]> record(String key, List<Map.Entry<String, Object>> headers, byte[] body) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(CORPUS_TOPIC, key, body);
        headers.forEach(header -> record.headers().add(header.getKey(), header.getValue() instanceof byte[] bytes ? bytes
                : String.valueOf(header.getValue()).getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    private void declareTripQueues() throws Exception {
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("ce-trip", "direct", true);
            for (String mode : List.of("binary", "structured")) {
                channel.queueDeclare("ce-trip-" + mode, true, false, false, null);
                channel.queueBind("ce-trip-" + mode, "ce-trip", mode);
            }
        }
    }

    private static ConsumerRecord<String, byte[]> readOne(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            ConsumerRecord<String, byte[]>[] found = new ConsumerRecord[1];
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    found[0] = record;
                }
                return found[0] != null;
            });
            return found[0];
        }
    }

    private static Connection connect() throws Exception {
        return Brokers.rabbitmq().connect("cloudevents-it");
    }

    private static KafkaProducer<String, byte[]> producer() {
        return Brokers.kafka().producer();
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return Brokers.kafka().consumer("ce-conformance-" + System.nanoTime());
    }
}

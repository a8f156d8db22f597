package io.interchange.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
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
import io.interchange.brokers.KafkaBroker;
import io.interchange.cloudevents.TestEvents;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * With tracing on, an event's way Kafka -> RabbitMQ -> SQS -> Kafka through three bridge routes
 * (src/test/resources/routes-tracing) is one connected trace: every span the gateway exports has the trace id the
 * event came with (or one the gateway started), and every span's parent is the producer's span or another of the
 * trace. The trace context travels in each broker's own headers (Kafka and AMQP headers, SQS message attributes),
 * and the CloudEvents distributed-tracing extension, set on the first hop, arrives unchanged at the last.
 */
@DirtiesContext
@SpringBootTest(classes = {InterchangeApplication.class, TracingIT.Exporter.class}, properties = {
        "camel.main.routes-include-pattern=file:src/test/resources/routes-tracing/*.yaml",
        "interchange.tracing.enabled=true", "interchange.tracing.exporter=none"})
class TracingIT {

    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static final Map<String, String> TAPPED = new ConcurrentHashMap<>();
    private static Connection rabbit;

    @TestConfiguration(proxyBeanMethods = false)
    static class Exporter {
        @Bean
        InMemorySpanExporter inMemorySpans() {
            return SPANS;
        }
    }

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) throws Exception {
        KafkaBroker kafka = Brokers.kafka();
        kafka.createTopic("trace-in", 3);
        kafka.createTopic("trace-out", 3);
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            SqsQueues.create(sqs, "trace-hop", false);
        }
        rabbit = Brokers.rabbitmq().connect("tracing-it");
        Channel channel = rabbit.createChannel();
        channel.exchangeDeclare("trace", "topic", true);
        channel.queueDeclare("trace.hop", true, false, false, null);
        channel.queueBind("trace.hop", "trace", "hop");
        // A second queue on the exchange: what the first hop wrote, as the next hop reads it.
        String tap = channel.queueDeclare().getQueue();
        channel.queueBind(tap, "trace", "hop");
        channel.basicConsume(tap, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                Object extension = properties.getHeaders().get("cloudEvents:traceparent");
                TAPPED.put(new String(body, StandardCharsets.UTF_8), extension == null ? "" : extension.toString());
            }
        });
        GatewayProperties.kafka(kafka).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @AfterAll
    static void closeRabbit() throws Exception {
        rabbit.close();
    }

    @Autowired
    InMemorySpanExporter spans;

    @BeforeEach
    void clear() {
        spans.reset();
    }

    @Test
    void anEventOfATracedProducerStaysInItsTraceAcrossThreeBrokers() throws Exception {
        String traceId = hex(32);
        String producerSpan = hex(16);
        String data = "traced-" + UUID.randomUUID();
        ProducerRecord<String, byte[]> record = TestEvents.kafkaRecord("trace-in", "o-1", data, data);
        record.headers().add("traceparent", ("00-" + traceId + "-" + producerSpan + "-01").getBytes(StandardCharsets.UTF_8));

        ConsumerRecord<String, byte[]> out = sendAndReceive(record, data);

        assertThat(header(out, "traceparent")).as("the last hop's trace context").startsWith("00-" + traceId + "-");
        String extension = header(out, "ce_traceparent");
        assertThat(extension).as("the distributed-tracing extension").startsWith("00-" + traceId + "-");
        assertThat(TAPPED.get(data)).as("the extension as the first hop set it: unchanged since").isEqualTo(extension);

        List<SpanData> trace = awaitSpans(traceId);
        assertThat(trace).allSatisfy(span -> assertThat(span.getTraceId()).isEqualTo(traceId));
        Set<String> ids = trace.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        assertThat(trace).as("every span's parent is the producer's or one of the trace")
                .allSatisfy(span -> assertThat(span.getParentSpanId()).isIn(union(ids, producerSpan)));
        assertThat(trace.stream().filter(span -> span.getParentSpanId().equals(producerSpan)))
                .as("the gateway's first span, a child of the producer's").hasSize(1);
    }

    @Test
    void anEventWithoutTraceContextStartsOneTraceAtTheGateway() throws Exception {
        String data = "untraced-" + UUID.randomUUID();
        ConsumerRecord<String, byte[]> out = sendAndReceive(TestEvents.kafkaRecord("trace-in", "o-2", data, data), data);

        String traceId = header(out, "traceparent").substring(3, 35);
        assertThat(header(out, "ce_traceparent")).startsWith("00-" + traceId + "-");
        List<SpanData> trace = awaitSpans(traceId);
        Set<String> ids = trace.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        assertThat(trace.stream().filter(span -> !span.getParentSpanContext().isValid())).as("roots").hasSize(1);
        assertThat(trace.stream().filter(span -> span.getParentSpanContext().isValid()))
                .allSatisfy(span -> assertThat(span.getParentSpanId()).isIn(ids));
    }

    /** Spans of the trace once the last route's send to trace-out is among them, with each hop's destination. */
    private List<SpanData> awaitSpans(String traceId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> destinations(traceId).containsAll(
                Set.of("trace-in", "trace", "trace.hop", "trace-hop", "trace-out")));
        return spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId)).toList();
    }

    private Set<String> destinations(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId))
                .map(span -> span.getAttributes().asMap().entrySet().stream()
                        .filter(e -> e.getKey().getKey().equals("messaging.destination.name"))
                        .map(e -> String.valueOf(e.getValue())).findFirst().orElse(""))
                .collect(Collectors.toSet());
    }

    private static ConsumerRecord<String, byte[]> sendAndReceive(ProducerRecord<String, byte[]> record, String data)
            throws Exception {
        try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("tracing-it-" + UUID.randomUUID())) {
            consumer.subscribe(List.of("trace-out"));
            consumer.poll(Duration.ofSeconds(2));
            try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
                producer.send(record).get();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> out : consumer.poll(Duration.ofMillis(500))) {
                    if (new String(out.value(), StandardCharsets.UTF_8).equals(data)) {
                        return out;
                    }
                }
            }
        }
        throw new AssertionError("the event did not reach trace-out within 60 s");
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as("header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Set<String> union(Set<String> ids, String id) {
        Set<String> all = new java.util.HashSet<>(ids);
        all.add(id);
        return all;
    }

    private static String hex(int digits) {
        return UUID.randomUUID().toString().replace("-", "").repeat(2).substring(0, digits);
    }
}

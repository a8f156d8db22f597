package io.interchange.bridge;

import static io.interchange.bridge.PoisonCatalog.*;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
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
import io.interchange.bridge.PoisonStream.Message;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The poison suite (docs/guarantees.md, "No message can stall a stream"): every shipped route (all six
 * directions and the router) in one gateway on the real brokers, fed per source broker a stream in which every
 * 10th message is poison, cycling through every kind of poison that broker can carry: invalid CloudEvents (the
 * malformed corpus, in the source's binding), repeated and case-twin attributes, values and data that are not
 * UTF-8, control headers on invalid and on valid events, messages too large for the sink or for the
 * dead-letter destination, unroutable events. The valid messages between them vary in what a bridge could get
 * wrong (binary data, no data, more attributes than SQS takes, structured mode, typed extensions, keys).
 *
 * <p>For each stream: every poison message is on its route's dead-letter destination with its route, exception
 * and reason (whole, or truncated where the dead letter cannot fit) within 30 s of being sent; every valid one
 * arrives at each sink exactly as it must (attributes, data bytes, key or group, mode); nothing arrives that no
 * message should produce, nothing reaches where a header points; and afterwards no Kafka group lags, no
 * RabbitMQ delivery is ready or unacknowledged and no SQS message is left. Failures are collected and reported
 * together, each naming the message, the route and what was observed.
 *
 * <p>All names are prefixed {@code ps-} so nothing collides with other tests on the shared brokers. The SQS ->
 * Kafka route writes to the topic the Kafka routes read: valid SQS events are expected to travel on through
 * them to RabbitMQ and SQS (docs/cloudevents.md, transcoding).
 */
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = "camel.main.routes-include-pattern="
        + "file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/orders-kafka-to-sqs.yaml,file:routes/orders-sqs-to-kafka.yaml,"
        + "file:routes/shipments-rabbitmq-to-kafka.yaml,file:routes/invoices-rabbitmq-to-sqs.yaml,"
        + "file:routes/invoices-sqs-to-rabbitmq.yaml,file:routes/orders-router.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class PoisonSuiteIT {

    private static final Map<String, String> SQS_URLS = new ConcurrentHashMap<>();
    /** Locations of the records this test wrote to ps-orders, which is also the SQS -> Kafka route's sink. */
    private static final Set<String> SENT_TO_SINK_TOPIC = ConcurrentHashMap.newKeySet();
    private static final List<String> FIGURES = new ArrayList<>();
    private static final long CLASS_START = System.currentTimeMillis();
    private static PoisonTaps taps;

    @Autowired
    private MeterRegistry meters;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) throws Exception {
        try (Admin admin = admin()) {
            // Sources that take a ~1.5 MiB record (the test producer's max.request.size is raised to match).
            createTopic(admin, ORDERS_TOPIC, 3, Map.of("max.message.bytes", String.valueOf(8 * MIB)));
            createTopic(admin, ROUTER_TOPIC, 3, Map.of("max.message.bytes", String.valueOf(8 * MIB)));
        }
        Brokers.kafka().createTopic(ORDERS_TOPIC, 3);
        Brokers.kafka().createTopic(ROUTER_TOPIC, 3);
        Brokers.kafka().createTopic(SHIPMENTS_TOPIC, 3);
        Brokers.kafka().createTopic(ORDERS_DLT, 1);
        Brokers.kafka().createTopic(ROUTER_DLT, 1);
        ROUTER_SINK_TOPICS.forEach(t -> Brokers.kafka().createTopic(t, 1));
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            for (String queue : List.of(ORDERS_IN, ORDERS_OUT, INVOICES_ISSUED, INVOICES_PAID, ORDERS_IN_DLQ, INVOICES_DLQ, HIJACK)) {
                SQS_URLS.put(queue, SqsQueues.create(sqs, queue, false));
            }
        }
        try (Connection rabbit = Brokers.rabbitmq().connect("poison-suite-setup")) {
            Channel channel = rabbit.createChannel();
            for (String exchange : List.of(ORDERS_EXCHANGE, INVOICES_EXCHANGE, DLX, HIJACK)) {
                channel.exchangeDeclare(exchange, "topic", true);
            }
            for (String queue : List.of(ORDERS_CREATED_QUEUE, ORDERS_ROUTED_QUEUE, ORDERS_CANCELLED_QUEUE,
                    INVOICES_PAID_QUEUE, DEAD_LETTER_QUEUE, SHIPMENTS_QUEUE, INVOICES_ISSUED_QUEUE, STOLEN_QUEUE)) {
                channel.queueDeclare(queue, true, false, false, null);
                channel.queuePurge(queue);
            }
            channel.queueBind(ORDERS_CREATED_QUEUE, ORDERS_EXCHANGE, "order.created");
            channel.queueBind(ORDERS_ROUTED_QUEUE, ORDERS_EXCHANGE, "order.routed");
            channel.queueBind(ORDERS_CANCELLED_QUEUE, ORDERS_EXCHANGE, "order.cancelled");
            channel.queueBind(INVOICES_PAID_QUEUE, INVOICES_EXCHANGE, "invoice.paid");
            channel.queueBind(DEAD_LETTER_QUEUE, DLX, "#");
            // Where a header naming HIJACK (an exchange, a routing key, CC/BCC) would take a message.
            channel.queueBind(STOLEN_QUEUE, HIJACK, "#");
            for (String exchange : List.of(ORDERS_EXCHANGE, INVOICES_EXCHANGE, DLX)) {
                channel.queueBind(STOLEN_QUEUE, exchange, HIJACK);
            }
        }

        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
        Map<String, String> names = new LinkedHashMap<>();
        names.put("orders.kafka.topic", ORDERS_TOPIC);
        names.put("orders.kafka.group-id", "ps-orders");
        names.put("orders.kafka.to-sqs-group-id", "ps-orders-to-sqs");
        names.put("orders.rabbitmq.exchange", ORDERS_EXCHANGE);
        names.put("orders.sqs.inbound-queue", ORDERS_IN);
        names.put("orders.sqs.outbound-queue", ORDERS_OUT);
        names.put("orders.router.topic", ROUTER_TOPIC);
        names.put("orders.router.group-id", "ps-router");
        names.put("orders.router.created-topic", "ps-orders.routed");
        names.put("orders.router.payments-topic", "ps-orders.payments");
        names.put("orders.router.eu-topic", "ps-orders.eu");
        names.put("orders.router.priority-topic", "ps-orders.priority");
        names.put("shipments.rabbitmq.queue", SHIPMENTS_QUEUE);
        names.put("shipments.kafka.topic", SHIPMENTS_TOPIC);
        names.put("invoices.rabbitmq.exchange", INVOICES_EXCHANGE);
        names.put("invoices.rabbitmq.issued-queue", INVOICES_ISSUED_QUEUE);
        names.put("invoices.sqs.issued-queue", INVOICES_ISSUED);
        names.put("invoices.sqs.paid-queue", INVOICES_PAID);
        String kafka = "?requestRequiredAcks=all&enableIdempotence=true"
                + "&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer";
        String destinations = "interchange.dead-letter.destinations.";
        names.put(destinations + KAFKA_TO_RABBITMQ, "kafka:" + ORDERS_DLT + kafka);
        names.put(destinations + KAFKA_TO_SQS, "kafka:" + ORDERS_DLT + kafka);
        names.put(destinations + ROUTER, "kafka:" + ROUTER_DLT + kafka);
        names.put(destinations + RABBITMQ_TO_KAFKA, "interchange-rabbitmq:" + DLX + "?routingKey=" + RABBITMQ_TO_KAFKA);
        // A destination with a small limit, so whole messages below RabbitMQ's own limits need truncating.
        names.put(destinations + RABBITMQ_TO_SQS, "interchange-rabbitmq:" + DLX + "?routingKey=" + RABBITMQ_TO_SQS
                + "&maxBodyBytes=" + INVOICES_DLX_MAX_BYTES);
        names.put(destinations + SQS_TO_KAFKA, "interchange-sqs:" + ORDERS_IN_DLQ);
        names.put(destinations + SQS_TO_RABBITMQ, "interchange-sqs:" + INVOICES_DLQ);
        names.forEach((k, v) -> registry.add(k, () -> v));
    }

    /** The taps start with the first stream: the sinks exist only once Spring has run {@link #brokers}. */
    private static synchronized PoisonTaps taps() throws Exception {
        if (taps == null) {
            taps = startTaps();
        }
        return taps;
    }

    private static PoisonTaps startTaps() throws Exception {
        List<String> topics = new ArrayList<>(List.of(ORDERS_TOPIC, SHIPMENTS_TOPIC, ORDERS_DLT, ROUTER_DLT));
        topics.addAll(ROUTER_SINK_TOPICS);
        Map<String, String> sqs = new HashMap<>();
        for (String queue : List.of(ORDERS_OUT, INVOICES_ISSUED, ORDERS_IN_DLQ, INVOICES_DLQ, HIJACK)) {
            sqs.put(queue, SQS_URLS.get(queue));
        }
        return new PoisonTaps(topics, List.of(ORDERS_CREATED_QUEUE, ORDERS_ROUTED_QUEUE, ORDERS_CANCELLED_QUEUE,
                INVOICES_PAID_QUEUE, DEAD_LETTER_QUEUE, STOLEN_QUEUE), sqs);
    }

    @AfterAll
    static void stopTaps() throws Exception {
        if (taps != null) {
            taps.close();
        }
        System.out.println("Poison suite: " + (System.currentTimeMillis() - CLASS_START) + " ms in all\n"
                + String.join("\n", FIGURES));
    }

    // ---- the four streams ----

    @Test
    void kafkaStreamThroughBothKafkaRoutes() throws Exception {
        PoisonStream stream = new PoisonStream("Kafka " + ORDERS_TOPIC + " -> RabbitMQ and SQS",
                Map.of(KAFKA_TO_RABBITMQ, "kafka:" + ORDERS_DLT, KAFKA_TO_SQS, "kafka:" + ORDERS_DLT), SINK_PARTITIONS);
        List<Poison> poisons = kafkaPoisons();
        int size = 10 * Math.max(10, poisons.size());
        for (int n = 0; n < size; n++) {
            String tag = "k" + RUN + "-" + n;
            String key = "key-" + n % 7;
            if (n % 10 == 9) {
                stream.messages.add(poisons.get(n / 10 % poisons.size()).message(tag, key));
            } else {
                stream.messages.add(goodKafkaMessage(tag, key, n));
            }
        }
        run(stream, () -> sendKafka(ORDERS_TOPIC, stream));
    }

    @Test
    void kafkaStreamThroughTheRouter() throws Exception {
        PoisonStream stream = new PoisonStream("Kafka " + ROUTER_TOPIC + " -> orders-router",
                Map.of(ROUTER, "kafka:" + ROUTER_DLT), SINK_PARTITIONS);
        List<Poison> poisons = routerPoisons();
        int size = 10 * Math.max(10, poisons.size());
        for (int n = 0; n < size; n++) {
            String tag = "r" + RUN + "-" + n;
            String key = "key-" + n % 5;
            stream.messages.add(n % 10 == 9 ? poisons.get(n / 10 % poisons.size()).message(tag, key)
                    : goodRouterMessage(tag, key, n));
        }
        run(stream, () -> sendKafka(ROUTER_TOPIC, stream));
    }

    @Test
    void rabbitmqStreamThroughBothRabbitmqRoutes() throws Exception {
        PoisonStream stream = new PoisonStream("RabbitMQ " + SHIPMENTS_QUEUE + " and " + INVOICES_ISSUED_QUEUE
                + " -> Kafka and SQS", Map.of(RABBITMQ_TO_KAFKA, "rabbitmq:" + DEAD_LETTER_QUEUE,
                RABBITMQ_TO_SQS, "rabbitmq:" + DEAD_LETTER_QUEUE), SINK_PARTITIONS);
        List<Poison> poisons = amqpPoisons();
        int size = 10 * Math.max(10, poisons.size());
        for (int n = 0; n < size; n++) {
            String tag = "a" + RUN + "-" + n;
            stream.messages.add(n % 10 == 9 ? poisons.get(n / 10 % poisons.size()).message(tag, tag)
                    : goodAmqpMessage(tag, n));
        }
        run(stream, () -> sendAmqp(stream));
    }

    @Test
    void sqsStreamThroughBothSqsRoutes() throws Exception {
        PoisonStream stream = new PoisonStream("SQS " + ORDERS_IN + " and " + INVOICES_PAID + " -> Kafka and RabbitMQ",
                Map.of(SQS_TO_KAFKA, "sqs:" + ORDERS_IN_DLQ, SQS_TO_RABBITMQ, "sqs:" + INVOICES_DLQ), SINK_PARTITIONS);
        List<Poison> poisons = sqsPoisons();
        int size = 10 * Math.max(10, poisons.size());
        for (int n = 0; n < size; n++) {
            String tag = "s" + RUN + "-" + n;
            String group = "group-" + n % 8;
            stream.messages.add(n % 10 == 9 ? poisons.get(n / 10 % poisons.size()).message(tag, group)
                    : goodSqsMessage(tag, group, n));
        }
        run(stream, () -> sendSqs(stream));
    }

    // ---- running and checking a stream ----

    private interface Sender {
        void send() throws Exception;
    }

    private void run(PoisonStream stream, Sender sender) throws Exception {
        PoisonTaps taps = taps();
        PoisonStream.ALL.add(stream);
        long start = System.currentTimeMillis();
        sender.send();
        stream.sentAtMillis = System.currentTimeMillis();
        stream.sendMillis = stream.sentAtMillis - start;
        List<String> failures = new ArrayList<>();
        long complete = awaitOrNote(failures, Duration.ofSeconds(90), "not everything arrived within 90 s",
                () -> stream.complete(taps));
        List<String> lag = new ArrayList<>();
        awaitOrNote(failures, Duration.ofSeconds(30), "the sources still lag after 30 s", () -> {
            lag.clear();
            lag.addAll(lag());
            return lag.isEmpty();
        });
        failures.addAll(lag);
        List<String> unacknowledged = new ArrayList<>();
        awaitOrNote(failures, Duration.ofSeconds(20), "RabbitMQ still holds deliveries of the source queues", () -> {
            unacknowledged.clear();
            unacknowledged.addAll(unacknowledged());
            return unacknowledged.isEmpty();
        });
        failures.addAll(unacknowledged);
        try (Admin admin = admin()) {
            awaitOrNote(failures, Duration.ofSeconds(30), "the test's taps did not catch up with the sinks",
                    () -> taps.caughtUp(admin));
            if (admin.listTopics().names().get(10, TimeUnit.SECONDS).stream().anyMatch(t -> t.equalsIgnoreCase(HIJACK))) {
                failures.add("HIJACKED: the Kafka topic " + HIJACK + " exists: a header named it");
            }
        }
        PoisonStream.Report report = stream.check(taps);
        failures.addAll(report.failures);
        failures.addAll(PoisonStream.unexpected(taps, SENT_TO_SINK_TOPIC, Set.of("rabbitmq:" + STOLEN_QUEUE, "sqs:" + HIJACK)));
        failures.addAll(counters());

        long poison = stream.messages.stream().filter(m -> m.poison).count();
        String figures = String.format(Locale.ROOT, "%s: %d messages (%d poison, %d kinds), sent in %d ms, all"
                + " arrived %d ms after the last was sent; %d deliveries and %d dead letters checked; %d duplicates%s%n"
                + "%s", stream.name, stream.messages.size(), poison,
                stream.messages.stream().filter(m -> m.poison).map(m -> m.kind).distinct().count(), stream.sendMillis,
                complete, report.deliveries, report.deadLetters, report.duplicates.size(),
                report.duplicates.isEmpty() ? "" : "\n    " + String.join("\n    ", report.duplicates), report.figures());
        FIGURES.add(figures);
        System.out.println(figures);
        if (!failures.isEmpty()) {
            fail(failures.size() + " problems in the stream " + stream.name + ":\n  " + String.join("\n  ", failures)
                    + "\n" + figures);
        }
    }

    private interface Condition {
        boolean met() throws Exception;
    }

    /** Waits for the condition; the time it took, or -1 with a note in {@code failures} when it did not come. */
    private static long awaitOrNote(List<String> failures, Duration atMost, String note, Condition condition) {
        long start = System.currentTimeMillis();
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(condition::met);
            return System.currentTimeMillis() - start;
        } catch (ConditionTimeoutException e) {
            failures.add("TIMEOUT: " + note);
            return -1;
        }
    }

    /** What is left behind at the sources: empty when every group, queue and route has caught up. */
    private List<String> lag() throws Exception {
        List<String> lag = new ArrayList<>();
        try (Admin admin = admin()) {
            lag.addAll(groupLag(admin, "ps-orders", ORDERS_TOPIC));
            lag.addAll(groupLag(admin, "ps-orders-to-sqs", ORDERS_TOPIC));
            lag.addAll(groupLag(admin, "ps-router", ROUTER_TOPIC));
        }
        try (Connection rabbit = Brokers.rabbitmq().connect("poison-suite-lag"); Channel channel = rabbit.createChannel()) {
            for (String queue : List.of(SHIPMENTS_QUEUE, INVOICES_ISSUED_QUEUE)) {
                long ready = channel.messageCount(queue);
                if (ready > 0) {
                    lag.add("LAG: RabbitMQ queue " + queue + " has " + ready + " messages ready");
                }
            }
        }
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            for (String queue : List.of(ORDERS_IN, INVOICES_PAID)) {
                int left = SqsQueues.size(sqs, SQS_URLS.get(queue));
                if (left > 0) {
                    lag.add("LAG: SQS queue " + queue + " has " + left + " messages visible or in flight");
                }
            }
        }
        for (Gauge gauge : meters.find("interchange.bridge.in.flight").gauges()) {
            if (gauge.value() > 0) {
                lag.add("LAG: route " + gauge.getId().getTag("routeId") + " has " + (long) gauge.value()
                        + " messages in flight (interchange_bridge_in_flight)");
            }
        }
        return lag;
    }

    private static List<String> groupLag(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        List<String> lag = new ArrayList<>();
        admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).forEach((partition, end) -> {
            OffsetAndMetadata at = committed.get(partition);
            long offset = at == null ? 0 : at.offset();
            if (offset < end.offset()) {
                lag.add("LAG: Kafka group " + group + " committed " + partition + " up to " + offset + " of "
                        + end.offset());
            }
        });
        return lag;
    }

    /** RabbitMQ's own count of deliveries not yet acknowledged on the source queues (AMQP clients cannot see it). */
    private static List<String> unacknowledged() {
        List<String> left = new ArrayList<>();
        Map<String, long[]> depths = Brokers.rabbitmq().queueDepths();
        for (String queue : List.of(SHIPMENTS_QUEUE, INVOICES_ISSUED_QUEUE)) {
            long[] depth = depths.get(queue);
            if (depth == null) {
                left.add("rabbitmqctl list_queues does not list " + queue + ": " + depths.keySet());
            } else if (depth[0] > 0 || depth[1] > 0) {
                left.add("LAG: RabbitMQ queue " + queue + " has " + depth[0] + " ready and " + depth[1] + " unacknowledged");
            }
        }
        return left;
    }

    /** A dead letter that its destination refused, or a message that failed and was redelivered, is a failure here. */
    private List<String> counters() {
        List<String> failures = new ArrayList<>();
        meters.find("interchange.dead.letters.failed").counters().stream().filter(c -> c.count() > 0)
                .forEach(c -> failures.add("DEAD-LETTER DESTINATION REFUSED " + (long) c.count() + " dead letters of route "
                        + c.getId().getTag("routeId") + " (interchange_dead_letters_failed_total)"));
        meters.find("interchange.bridge.failed").counters().stream().filter(c -> c.count() > 0)
                .forEach(c -> failures.add("REDELIVERED: route " + c.getId().getTag("routeId") + " failed "
                        + (long) c.count() + " times (interchange_bridge_failed_total): a message was not dead-lettered at"
                        + " once, or a sink failed"));
        return failures;
    }

    private static void sendKafka(String topic, PoisonStream stream) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * MIB,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * MIB, ProducerConfig.LINGER_MS_CONFIG, 5);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            for (Message message : stream.messages) {
                KafkaWire wire = (KafkaWire) message.wire;
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, message.key, wire.value());
                for (Map.Entry<String, Object> header : wire.headers()) {
                    Object value = header.getValue();
                    record.headers().add(header.getKey(), value == null ? null : value instanceof byte[] bytes ? bytes
                            : PoisonEvents.utf8(value.toString()));
                }
                message.sentAtMillis = System.currentTimeMillis();
                sent.add(producer.send(record));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata metadata = sent.get(i).get(30, TimeUnit.SECONDS);
                String location = "kafka:" + metadata.topic() + "/" + metadata.partition() + "@" + metadata.offset();
                SENT_TO_SINK_TOPIC.add(location);
                Message message = stream.messages.get(i);
                message.outcomes.keySet().forEach(route -> message.locators.put(route, location));
            }
        }
    }

    private static void sendAmqp(PoisonStream stream) throws Exception {
        List<String> returned = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Connection rabbit = Brokers.rabbitmq().connect("poison-suite-producer")) {
            Channel channel = rabbit.createChannel();
            channel.confirmSelect();
            channel.addReturnListener(r -> returned.add(r.getRoutingKey() + ": " + r.getReplyText()));
            for (Message message : stream.messages) {
                AmqpWire wire = (AmqpWire) message.wire;
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().contentType(wire.contentType())
                        .deliveryMode(2).headers(new HashMap<>(wire.headers())).build();
                byte[] body = wire.body() == null ? new byte[0] : wire.body();
                message.sentAtMillis = System.currentTimeMillis();
                channel.basicPublish("", SHIPMENTS_QUEUE, true, properties, body);
                channel.basicPublish("", INVOICES_ISSUED_QUEUE, true, properties, body);
                message.outcomes.keySet().forEach(route -> message.locators.put(route, message.tag));
            }
            channel.waitForConfirmsOrDie(60_000);
        }
        if (!returned.isEmpty()) {
            fail("RabbitMQ returned test messages: " + returned);
        }
    }

    private static void sendSqs(PoisonStream stream) {
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            for (int from = 0; from < stream.messages.size(); from += 10) {
                List<Message> batch = stream.messages.subList(from, Math.min(stream.messages.size(), from + 10));
                batch.forEach(m -> m.sentAtMillis = System.currentTimeMillis());
                for (String queue : List.of(ORDERS_IN, INVOICES_PAID)) {
                    String route = queue.equals(ORDERS_IN) ? SQS_TO_KAFKA : SQS_TO_RABBITMQ;
                    List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (int i = 0; i < batch.size(); i++) {
                        Message message = batch.get(i);
                        SqsWire wire = (SqsWire) message.wire;
                        entries.add(SendMessageBatchRequestEntry.builder().id(String.valueOf(i)).messageGroupId(message.key)
                                .messageDeduplicationId(message.tag).messageBody(wire.body())
                                .messageAttributes(wire.attributes()).build());
                    }
                    // A batch request takes 256 KiB in all: a large message goes alone.
                    for (List<SendMessageBatchRequestEntry> request : split(entries)) {
                        SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(SQS_URLS.get(queue)).entries(request));
                        if (!response.failed().isEmpty()) {
                            fail("SQS refused test messages: " + response.failed().stream().map(f -> batch.get(
                                    Integer.parseInt(f.id())) + ": " + f.code() + " " + f.message()).toList());
                        }
                        response.successful().forEach(s -> batch.get(Integer.parseInt(s.id())).locators.put(route, s.messageId()));
                    }
                }
            }
        }
    }

    private static List<List<SendMessageBatchRequestEntry>> split(List<SendMessageBatchRequestEntry> entries) {
        List<List<SendMessageBatchRequestEntry>> requests = new ArrayList<>();
        List<SendMessageBatchRequestEntry> current = new ArrayList<>();
        int bytes = 0;
        for (SendMessageBatchRequestEntry entry : entries) {
            int size = entry.messageBody().length() + 2 * KIB;
            if (!current.isEmpty() && bytes + size > 200 * KIB) {
                requests.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(entry);
            bytes += size;
        }
        if (!current.isEmpty()) {
            requests.add(current);
        }
        return requests;
    }

    // ---- small helpers ----

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers()));
    }

    private static void createTopic(Admin admin, String topic, int partitions, Map<String, String> config) throws Exception {
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(config))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}

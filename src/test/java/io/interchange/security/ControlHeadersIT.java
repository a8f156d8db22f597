package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.BridgeHeaders;
import io.interchange.bridge.sqs.SqsHeaders;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.deadletter.DeadLetterHeaders;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Every header that steers a component the gateway uses (the {@code *Constants} of camel-kafka,
 * camel-spring-rabbitmq and camel-aws2-sqs, camel-core's, RabbitMQ's CC/BCC, the gateway's own), in four
 * letter cases, sent from the wire into each source broker through the shipped routes, all six of them at
 * once: every event still reaches the topic, exchange, routing key and queue the configuration names, with
 * the key, partition, message group and deduplication id its own data gives, without delay, and an invalid
 * one reaches the configured dead-letter destination; nothing reaches the places the headers name, and no
 * control header leaves the gateway.
 */
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = "camel.main.routes-include-pattern="
        + "file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/orders-kafka-to-sqs.yaml,file:routes/orders-sqs-to-kafka.yaml,"
        + "file:routes/shipments-rabbitmq-to-kafka.yaml,file:routes/invoices-rabbitmq-to-sqs.yaml,"
        + "file:routes/invoices-sqs-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class ControlHeadersIT {

    private static final String HIJACK = "hijacked";
    private static final Pattern SQS_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,256}");

    private static String ordersOutUrl;
    private static String ordersInUrl;
    private static String invoicesIssuedUrl;
    private static String invoicesPaidUrl;
    private static String dlqUrl;
    private static String hijackUrl;
    private static Connection rabbit;
    private static Channel channel;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) throws Exception {
        Brokers.kafka().createTopic("ctl-orders", 3);
        Brokers.kafka().createTopic("ctl-shipments", 3);
        Brokers.kafka().createTopic("ctl-orders.dlt", 1);
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            ordersOutUrl = SqsQueues.create(sqs, "ctl-orders-out.fifo", false);
            ordersInUrl = SqsQueues.create(sqs, "ctl-orders-in.fifo", false);
            invoicesIssuedUrl = SqsQueues.create(sqs, "ctl-invoices-issued.fifo", false);
            invoicesPaidUrl = SqsQueues.create(sqs, "ctl-invoices-paid.fifo", false);
            dlqUrl = SqsQueues.create(sqs, "ctl-dlq", false);
            hijackUrl = SqsQueues.create(sqs, HIJACK, false);
        }
        rabbit = Brokers.rabbitmq().connect("control-headers-it");
        channel = rabbit.createChannel();
        channel.confirmSelect();
        for (String exchange : List.of("ctl-orders", "ctl-invoices", "ctl-dlx", HIJACK)) {
            channel.exchangeDeclare(exchange, "topic", true);
        }
        bind("ctl-orders-q", "ctl-orders", "order.#");
        bind("ctl-invoices-paid", "ctl-invoices", "invoice.paid");
        bind("ctl-dead-letters", "ctl-dlx", "#");
        bind("ctl-shipments", null, null);
        bind("ctl-invoices-issued", null, null);
        // Where a header naming "hijacked" (an exchange, a routing key, CC/BCC) would take a message.
        bind("ctl-stolen", HIJACK, "#");
        channel.queueBind("ctl-stolen", "ctl-orders", HIJACK);
        channel.queueBind("ctl-stolen", "ctl-invoices", HIJACK);
        channel.queueBind("ctl-stolen", "ctl-dlx", HIJACK);

        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
        Map<String, String> names = new LinkedHashMap<>();
        names.put("orders.kafka.topic", "ctl-orders");
        names.put("orders.kafka.group-id", "ctl-orders");
        names.put("orders.kafka.to-sqs-group-id", "ctl-orders-to-sqs");
        names.put("orders.rabbitmq.exchange", "ctl-orders");
        names.put("orders.sqs.outbound-queue", "ctl-orders-out.fifo");
        names.put("orders.sqs.inbound-queue", "ctl-orders-in.fifo");
        names.put("shipments.rabbitmq.queue", "ctl-shipments");
        names.put("shipments.kafka.topic", "ctl-shipments");
        names.put("invoices.rabbitmq.exchange", "ctl-invoices");
        names.put("invoices.rabbitmq.issued-queue", "ctl-invoices-issued");
        names.put("invoices.sqs.issued-queue", "ctl-invoices-issued.fifo");
        names.put("invoices.sqs.paid-queue", "ctl-invoices-paid.fifo");
        String kafkaDlt = "kafka:ctl-orders.dlt?requestRequiredAcks=all&enableIdempotence=true"
                + "&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer";
        names.put("interchange.dead-letter.destinations.orders-kafka-to-rabbitmq", kafkaDlt);
        names.put("interchange.dead-letter.destinations.orders-kafka-to-sqs", kafkaDlt);
        names.put("interchange.dead-letter.destinations.shipments-rabbitmq-to-kafka",
                "interchange-rabbitmq:ctl-dlx?routingKey=shipments-rabbitmq-to-kafka");
        names.put("interchange.dead-letter.destinations.invoices-rabbitmq-to-sqs",
                "interchange-rabbitmq:ctl-dlx?routingKey=invoices-rabbitmq-to-sqs");
        names.put("interchange.dead-letter.destinations.orders-sqs-to-kafka", "interchange-sqs:ctl-dlq");
        names.put("interchange.dead-letter.destinations.invoices-sqs-to-rabbitmq", "interchange-sqs:ctl-dlq");
        names.forEach((k, v) -> registry.add(k, () -> v));
    }

    private static void bind(String queue, String exchange, String key) throws Exception {
        channel.queueDeclare(queue, true, false, false, null);
        channel.queuePurge(queue);
        if (exchange != null) {
            channel.queueBind(queue, exchange, key);
        }
    }

    @AfterAll
    static void close() throws Exception {
        rabbit.close();
    }

    /** Every control header name of the components in use, each in four letter cases. */
    static List<String> controlHeaders() throws Exception {
        Set<String> names = new LinkedHashSet<>();
        for (Class<?> constants : List.of(KafkaConstants.class, SpringRabbitMQConstants.class, Sqs2Constants.class,
                Exchange.class, SqsHeaders.class, BridgeHeaders.class)) {
            for (Field field : constants.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                    String name = (String) field.get(null);
                    if (name.startsWith("Camel") || name.startsWith("kafka.") || name.startsWith("sqs.")
                            || name.startsWith("Interchange") || !name.contains(".") && !name.contains(" ")) {
                        names.add(name);
                    }
                }
            }
        }
        names.addAll(List.of(DeadLetterHeaders.DELIVERY_ATTEMPT, DeadLetterHeaders.FIRST_FAILURE, "CC", "BCC",
                "x-delay", "Long-Running-Action", "breadcrumbId", "org.apache.camel.Foo"));
        // interchange-key is the documented key mapping of the AMQP source, and the content type is the
        // binding's: neither is a control header
        names.remove(BridgeHeaders.AMQP_KEY);
        names.remove(Exchange.CONTENT_TYPE);
        List<String> all = new ArrayList<>();
        for (String name : names) {
            all.addAll(new LinkedHashSet<>(List.of(name, name.toUpperCase(Locale.ROOT), name.toLowerCase(Locale.ROOT),
                    swapCase(name))));
        }
        return all;
    }

    private static String swapCase(String name) {
        StringBuilder out = new StringBuilder();
        for (char c : name.toCharArray()) {
            out.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return out.toString();
    }

    /** What each control header is set to: something a component would act on. */
    private static String value(String header) {
        String lower = header.toLowerCase(Locale.ROOT);
        if (lower.contains("partition") || lower.contains("attempt")) {
            return "2";
        }
        if (lower.contains("timestamp")) {
            return "1000";
        }
        if (lower.contains("delay")) {
            return "900";
        }
        if (lower.contains("deduplication")) {
            return "same-for-everyone";
        }
        return HIJACK;
    }

    @Test
    void noHeaderFromKafkaSteersTheRabbitmqSqsOrDeadLetterDestinations() throws Exception {
        List<String> controls = controlHeaders();
        long start = System.currentTimeMillis();
        try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
            for (String id : List.of("kafka-1", "kafka-2")) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>("ctl-orders", "key-" + id,
                        ("{\"orderId\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
                kafkaEvent(record, id, true);
                controls.forEach(h -> record.headers().add(h, value(h).getBytes(StandardCharsets.UTF_8)));
                producer.send(record).get();
            }
            ProducerRecord<String, byte[]> invalid = new ProducerRecord<>("ctl-orders", "key-kafka-bad", new byte[] {'x'});
            kafkaEvent(invalid, "kafka-bad", false);
            controls.forEach(h -> invalid.headers().add(h, value(h).getBytes(StandardCharsets.UTF_8)));
            producer.send(invalid).get();
        }

        // RabbitMQ: the configured exchange and routing key, the record key as interchange-key.
        Map<String, GetResponse> amqp = awaitAmqp("ctl-orders-q", Set.of("kafka-1", "kafka-2"));
        amqp.forEach((id, response) -> {
            assertThat(response.getEnvelope().getExchange()).isEqualTo("ctl-orders");
            assertThat(response.getEnvelope().getRoutingKey()).isEqualTo("order.created");
            assertThat(response.getProps().getHeaders().get("interchange-key").toString()).isEqualTo("key-" + id);
            assertNoControlHeaders(response.getProps().getHeaders().keySet(), "AMQP message " + id);
        });
        // SQS: group = record key, and deduplication by the event, not the header both carried.
        Map<String, Message> sqs = awaitSqs(ordersOutUrl, Set.of("kafka-1", "kafka-2"));
        sqs.forEach((id, message) -> {
            assertThat(message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)).isEqualTo("key-" + id);
            assertNoControlHeaders(message.messageAttributes().keySet(), "SQS message " + id);
        });
        // The dead letter: on the configured topic, keyed by the record's key.
        List<ConsumerRecord<String, byte[]>> deadLetters = awaitKafka("ctl-orders.dlt", "key-kafka-bad", 2);
        assertThat(deadLetters).extracting(r -> header(r, DeadLetterHeaders.ROUTE))
                .containsExactlyInAnyOrder("orders-kafka-to-rabbitmq", "orders-kafka-to-sqs");
        deadLetters.forEach(r -> assertNoControlHeaders(headerNames(r), "dead letter"));
        assertNothingHijacked(start);
    }

    @Test
    void noHeaderFromRabbitmqSteersTheKafkaSqsOrDeadLetterDestinations() throws Exception {
        List<String> controls = controlHeaders();
        long start = System.currentTimeMillis();
        for (String id : List.of("rabbit-1", "rabbit-2", "rabbit-bad")) {
            Map<String, Object> headers = new HashMap<>();
            controls.forEach(h -> headers.put(h, value(h)));
            headers.put("CC", List.of(HIJACK));
            headers.put("BCC", List.of(HIJACK));
            headers.putAll(amqpEvent(id, !id.endsWith("bad")));
            headers.put("interchange-key", "key-" + id);
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().contentType("text/plain")
                    .deliveryMode(2).headers(headers).build();
            channel.basicPublish("", "ctl-shipments", true, properties, id.getBytes(StandardCharsets.UTF_8));
            channel.basicPublish("", "ctl-invoices-issued", true, properties, id.getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(30_000);

        // Kafka: the configured topic, the key from interchange-key, the partition the key hashes to.
        for (String id : List.of("rabbit-1", "rabbit-2")) {
            ConsumerRecord<String, byte[]> record = awaitKafka("ctl-shipments", "key-" + id, 1).get(0);
            assertThat(record.partition()).isEqualTo(Utils.toPositive(Utils.murmur2(("key-" + id)
                    .getBytes(StandardCharsets.UTF_8))) % 3);
            assertThat(record.timestamp()).isGreaterThanOrEqualTo(start);
            assertThat(header(record, "ce_id")).isEqualTo(id);
            assertNoControlHeaders(headerNames(record), "Kafka record " + id);
        }
        Map<String, Message> sqs = awaitSqs(invoicesIssuedUrl, Set.of("rabbit-1", "rabbit-2"));
        sqs.forEach((id, message) -> {
            assertThat(message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)).isEqualTo("key-" + id);
            assertNoControlHeaders(message.messageAttributes().keySet(), "SQS message " + id);
        });
        Map<String, GetResponse> deadLetters = awaitAmqpDeadLetters(2);
        deadLetters.forEach((route, response) -> {
            assertThat(response.getEnvelope().getExchange()).isEqualTo("ctl-dlx");
            assertThat(response.getEnvelope().getRoutingKey()).isEqualTo(route);
            assertNoControlHeaders(response.getProps().getHeaders().keySet(), "dead letter of " + route);
        });
        assertNothingHijacked(start);
    }

    @Test
    void noAttributeFromSqsSteersTheKafkaRabbitmqOrDeadLetterDestinations() throws Exception {
        // SQS takes 10 attributes of [A-Za-z0-9_.-] per message: the names go in chunks of 9 beside
        // content-type, each chunk on a structured event of its own.
        List<String> controls = controlHeaders().stream().filter(n -> SQS_NAME.matcher(n).matches()
                && !n.toLowerCase(Locale.ROOT).startsWith("aws.") && !n.toLowerCase(Locale.ROOT).startsWith("amazon.")).toList();
        long start = System.currentTimeMillis();
        Set<String> ids = new LinkedHashSet<>();
        try (SqsClient client = Brokers.sqs().sqsClient()) {
            for (int chunk = 0; chunk * 9 < controls.size(); chunk++) {
                String id = "sqs-" + chunk;
                ids.add(id);
                Map<String, MessageAttributeValue> attributes = new HashMap<>();
                for (String name : controls.subList(chunk * 9, Math.min(controls.size(), chunk * 9 + 9))) {
                    attributes.put(name, SqsQueues.text(value(name)));
                }
                attributes.put("content-type", SqsQueues.text("application/cloudevents+json; charset=UTF-8"));
                for (String url : List.of(ordersInUrl, invoicesPaidUrl)) {
                    client.sendMessage(r -> r.queueUrl(url).messageGroupId("key-" + id).messageDeduplicationId(id)
                            .messageBody(structured(id, true)).messageAttributes(attributes));
                }
            }
            Map<String, MessageAttributeValue> bad = new HashMap<>();
            for (String name : controls.subList(0, 9)) {
                bad.put(name, SqsQueues.text(value(name)));
            }
            bad.put("content-type", SqsQueues.text("application/cloudevents+json; charset=UTF-8"));
            for (String url : List.of(ordersInUrl, invoicesPaidUrl)) {
                client.sendMessage(r -> r.queueUrl(url).messageGroupId("key-sqs-bad").messageDeduplicationId("sqs-bad")
                        .messageBody(structured("sqs-bad", false)).messageAttributes(bad));
            }
        }

        // Kafka: the configured topic (the one the Kafka routes read: they carry it on to RabbitMQ and SQS
        // too), keyed by the message group.
        for (String id : ids) {
            ConsumerRecord<String, byte[]> record = awaitKafka("ctl-orders", "key-" + id, 1).get(0);
            assertThat(header(record, "ce_id")).isEqualTo(id);
            assertNoControlHeaders(headerNames(record), "Kafka record " + id);
        }
        Map<String, GetResponse> amqp = awaitAmqp("ctl-invoices-paid", ids);
        amqp.forEach((id, response) -> {
            assertThat(response.getEnvelope().getExchange()).isEqualTo("ctl-invoices");
            assertThat(response.getEnvelope().getRoutingKey()).isEqualTo("invoice.paid");
            assertThat(response.getProps().getHeaders().get("interchange-key").toString()).isEqualTo("key-" + id);
            assertNoControlHeaders(response.getProps().getHeaders().keySet(), "AMQP message " + id);
        });
        Map<String, Message> deadLetters = new HashMap<>();
        try (SqsClient client = Brokers.sqs().sqsClient()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (Message m : client.receiveMessage(r -> r.queueUrl(dlqUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                        .messageAttributeNames("All")).messages()) {
                    deadLetters.put(m.messageAttributes().get(DeadLetterHeaders.SQS_ATTRIBUTE).stringValue(), m);
                    client.deleteMessage(r -> r.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()));
                }
                return deadLetters.size() >= 2;
            });
        }
        assertThat(deadLetters.keySet()).anyMatch(json -> json.contains("\"route\":\"orders-sqs-to-kafka\""))
                .anyMatch(json -> json.contains("\"route\":\"invoices-sqs-to-rabbitmq\""));
        deadLetters.values().forEach(m -> assertNoControlHeaders(m.messageAttributes().keySet(), "SQS dead letter"));
        assertNothingHijacked(start);
    }

    // ---- events ----

    private static void kafkaEvent(ProducerRecord<String, byte[]> record, String id, boolean valid) {
        Map<String, String> attributes = new LinkedHashMap<>(Map.of("ce_specversion", "1.0", "ce_id", id,
                "ce_source", "/orders/order-service", "ce_type", "com.example.orders.order.created",
                "content-type", "application/json"));
        if (!valid) {
            attributes.remove("ce_type");
        }
        attributes.forEach((name, value) -> record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
    }

    private static Map<String, Object> amqpEvent(String id, boolean valid) {
        Map<String, Object> headers = new HashMap<>(Map.of("cloudEvents:specversion", "1.0", "cloudEvents:id", id,
                "cloudEvents:source", "/shipments/warehouse", "cloudEvents:type", "com.example.shipments.shipment.requested"));
        if (!valid) {
            headers.remove("cloudEvents:type");
        }
        return headers;
    }

    private static String structured(String id, boolean valid) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"/orders/order-service\""
                + (valid ? ",\"type\":\"com.example.orders.order.created\"" : "")
                + ",\"datacontenttype\":\"text/plain\",\"data\":\"" + id + "\"}";
    }

    // ---- what arrived ----

    private static void assertNoControlHeaders(Set<String> names, String what) {
        assertThat(names).as(what).noneMatch(ControlHeaders::isControl);
    }

    private static Map<String, GetResponse> awaitAmqp(String queue, Set<String> ids) {
        Map<String, GetResponse> found = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (GetResponse r; (r = channel.basicGet(queue, true)) != null; ) {
                Object id = r.getProps().getHeaders() == null ? null : r.getProps().getHeaders().get("cloudEvents:id");
                if (id != null && ids.contains(id.toString())) {
                    found.put(id.toString(), r);
                }
            }
            return found.keySet().containsAll(ids);
        });
        return found;
    }

    private static Map<String, GetResponse> awaitAmqpDeadLetters(int count) {
        Map<String, GetResponse> found = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (GetResponse r; (r = channel.basicGet("ctl-dead-letters", true)) != null; ) {
                found.put(r.getEnvelope().getRoutingKey(), r);
            }
            return found.size() >= count;
        });
        return found;
    }

    private static Map<String, Message> awaitSqs(String url, Set<String> ids) {
        Map<String, Message> found = new ConcurrentHashMap<>();
        try (SqsClient client = Brokers.sqs().sqsClient()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (Message m : client.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                        .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID))
                        .messages()) {
                    MessageAttributeValue id = m.messageAttributes().get("ce_id");
                    String key = id != null ? id.stringValue() : m.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
                    if (ids.contains(key)) {
                        found.put(key, m);
                    }
                    client.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                }
                return found.keySet().containsAll(ids);
            });
        }
        return found;
    }

    private static List<ConsumerRecord<String, byte[]>> awaitKafka(String topic, String key, int count) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("ctl-" + System.nanoTime())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) {
                        found.add(record);
                    }
                }
                return found.size() >= count;
            });
        }
        return found;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Set<String> headerNames(ConsumerRecord<String, byte[]> record) {
        Set<String> names = new LinkedHashSet<>();
        record.headers().forEach(h -> names.add(h.key()));
        return names;
    }

    /** Nothing went where the headers pointed: no such topic, nothing in the stolen queue or the hijack queue. */
    private static void assertNothingHijacked(long since) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers()))) {
            assertThat(admin.listTopics().names().get()).as("Kafka topics").noneMatch(t -> t.equalsIgnoreCase(HIJACK));
        }
        assertThat(channel.messageCount("ctl-stolen")).as("messages CC'd or routed by a header").isZero();
        try (SqsClient client = Brokers.sqs().sqsClient()) {
            assertThat(SqsQueues.size(client, hijackUrl)).as("SQS queue named by a header").isZero();
        }
    }

}

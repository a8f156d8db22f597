package io.interchange.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
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
import io.interchange.cloudevents.TestEvents;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * routes/orders-router.yaml on real brokers: an order.created event fans out to Kafka, RabbitMQ and
 * SQS, a payment event goes to its Kafka topic, a cancellation to RabbitMQ, and an event no rule
 * matches lands on the dead-letter topic with its reason.
 */
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "camel.main.routes-include-pattern=file:routes/orders-router.yaml,file:routes/dead-letter.yaml",
        "orders.sqs.outbound-queue=" + OrdersRouterIT.SQS_QUEUE})
class OrdersRouterIT {

    static final String SQS_QUEUE = "router-it.fifo";
    private static String queueUrl;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        for (String topic : List.of("order-events", "orders.routed", "orders.payments", "order-events.dlt")) {
            Brokers.kafka().createTopic(topic, 1);
        }
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            queueUrl = SqsQueues.create(sqs, SQS_QUEUE, true);
        }
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Test
    void eventsOfThreeTypesReachTheirSinksOnEveryBrokerAndAnUnroutableOneIsDeadLettered() throws Exception {
        Map<String, String> rabbitmq = new ConcurrentHashMap<>();
        try (Connection connection = Brokers.rabbitmq().connect("router-it")) {
            Channel channel = connection.createChannel();
            channel.basicConsume("orders.created", true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    Object id = properties.getHeaders() == null ? null : properties.getHeaders().get("cloudEvents:id");
                    if (id != null && id.toString().startsWith("router-")) {
                        rabbitmq.put(id.toString(), envelope.getRoutingKey());
                    }
                }
            });
            try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
                producer.send(TestEvents.kafkaRecord("order-events", "o-1", "router-created",
                        "com.example.orders.order.created", "created"));
                producer.send(TestEvents.kafkaRecord("order-events", "o-1", "router-payment",
                        "com.example.orders.payment.received", "paid"));
                producer.send(TestEvents.kafkaRecord("order-events", "o-1", "router-cancelled",
                        "com.example.orders.order.cancelled", "cancelled"));
                producer.send(TestEvents.kafkaRecord("order-events", "o-1", "router-unroutable",
                        "com.example.billing.invoice.archived", "nobody wants me"));
            }

            assertThat(idsOn("orders.routed")).as("fan-out to Kafka").containsExactly("router-created");
            assertThat(idsOn("orders.payments")).as("payments topic").containsExactly("router-payment");
            await().atMost(Duration.ofSeconds(60)).until(() -> rabbitmq.size() == 2);
            assertThat(rabbitmq).as("fan-out and cancellation to RabbitMQ")
                    .containsEntry("router-created", "order.routed").containsEntry("router-cancelled", "order.cancelled");
            assertThat(sqsIds()).as("fan-out to SQS").containsExactly("router-created");

            Map<String, String> deadLetter = headersOn("order-events.dlt");
            assertThat(deadLetter).containsEntry("ce_id", "router-unroutable")
                    .containsEntry("interchange-dlq-route", "orders-router")
                    .containsEntry("interchange-dlq-exception", UnroutableEventException.class.getName());
            assertThat(deadLetter.get("interchange-dlq-reason"))
                    .contains("no rule of orders-router matches type 'com.example.billing.invoice.archived'");
        }
    }

    private static List<String> idsOn(String topic) {
        List<String> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("router-it-" + System.nanoTime())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    ids.add(new String(record.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8));
                }
                return !ids.isEmpty();
            });
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> ids.add("unexpected"));
        }
        return ids;
    }

    private static Map<String, String> headersOn(String topic) {
        Map<String, String> headers = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("router-it-" + System.nanoTime())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    record.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
                }
                return !headers.isEmpty();
            });
        }
        return headers;
    }

    private static Set<String> sqsIds() {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (Message message : sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1).messageAttributeNames("All")).messages()) {
                    ids.add(message.messageAttributes().get("ce_id").stringValue());
                    sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
                }
                return !ids.isEmpty();
            });
        }
        return ids;
    }
}

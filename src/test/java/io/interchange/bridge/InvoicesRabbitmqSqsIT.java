package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** The invoices example routes between a real RabbitMQ server and real ElasticMQ FIFO queues, both ways. */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = "camel.main.routes-include-pattern="
        + "file:routes/invoices-rabbitmq-to-sqs.yaml,file:routes/invoices-sqs-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml")
class InvoicesRabbitmqSqsIT {

    private static String issuedUrl;
    private static String paidUrl;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            issuedUrl = SqsQueues.create(sqs, "invoices-issued.fifo", false);
            paidUrl = SqsQueues.create(sqs, "invoices-paid.fifo", false);
        }
        GatewayProperties.amqp(Brokers.rabbitmq()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
    }

    private Connection rabbit;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        rabbit = Brokers.rabbitmq().connect("invoices-it");
        channel = rabbit.createChannel();
        channel.confirmSelect();
    }

    @AfterEach
    void disconnect() throws Exception {
        rabbit.close();
    }

    @Test
    void rabbitmqToSqsFifoOneThousandEventsAllArriveGroupedByKeyInOrder() throws Exception {
        for (int seq = 0; seq < 100; seq++) {
            for (int key = 0; key < 10; key++) {
                Map<String, Object> headers = new HashMap<>();
                headers.put("cloudEvents:specversion", "1.0");
                headers.put("cloudEvents:id", "issued-" + key + "-" + seq);
                headers.put("cloudEvents:source", "/billing");
                headers.put("cloudEvents:type", "com.example.billing.invoice.issued");
                headers.put("interchange-key", "key-" + key);
                channel.basicPublish("invoices", "invoice.issued", true, new AMQP.BasicProperties.Builder()
                        .contentType("text/plain").deliveryMode(2).headers(headers).build(),
                        ("key-" + key + ":" + seq).getBytes(StandardCharsets.UTF_8));
            }
        }
        channel.waitForConfirmsOrDie(30_000);

        List<Message> received = new ArrayList<>();
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(issuedUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)
                        .messageAttributeNames("All")).messages();
                for (Message message : batch) {
                    received.add(message);
                    sqs.deleteMessage(r -> r.queueUrl(issuedUrl).receiptHandle(message.receiptHandle()));
                }
                return received.size() >= 1000;
            });
        }
        assertThat(received).hasSize(1000);
        Map<String, List<Integer>> perGroup = new HashMap<>();
        for (Message message : received) {
            String[] body = message.body().split(":");
            assertThat(message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)).isEqualTo(body[0]);
            assertThat(message.messageAttributes().get("ce_id").stringValue()).startsWith("issued-");
            assertThat(message.messageAttributes().get("ce_type").stringValue())
                    .isEqualTo("com.example.billing.invoice.issued");
            perGroup.computeIfAbsent(body[0], k -> new ArrayList<>()).add(Integer.parseInt(body[1]));
        }
        assertThat(perGroup).hasSize(10);
        perGroup.forEach((group, seqs) -> assertThat(seqs).as(group).isSorted().hasSize(100).doesNotHaveDuplicates());
    }

    @Test
    void sqsFifoToRabbitmqOneThousandEventsAllArriveKeyedByGroupInOrder() throws Exception {
        List<String[]> received = new CopyOnWriteArrayList<>();
        List<Map<String, Object>> headers = new CopyOnWriteArrayList<>();
        channel.basicConsume("invoices.paid", true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                received.add(new String(body, StandardCharsets.UTF_8).split(":"));
                headers.add(properties.getHeaders());
            }
        });

        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            for (int seq = 0; seq < 100; seq++) {
                List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
                for (int key = 0; key < 10; key++) {
                    batch.add(SendMessageBatchRequestEntry.builder().id("k" + key).messageGroupId("key-" + key)
                            .messageDeduplicationId("paid-" + key + "-" + seq).messageBody("key-" + key + ":" + seq)
                            .messageAttributes(Map.of("ce_specversion", text("1.0"), "ce_id", text("paid-" + key + "-" + seq),
                                    "ce_source", text("/payments"), "ce_type", text("com.example.payments.invoice.paid"),
                                    "content-type", text("text/plain")))
                            .build());
                }
                sqs.sendMessageBatch(r -> r.queueUrl(paidUrl).entries(batch));
            }
        }

        await().atMost(Duration.ofSeconds(120)).until(() -> received.size() >= 1000);
        assertThat(received).hasSize(1000);
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (int i = 0; i < received.size(); i++) {
            String[] body = received.get(i);
            assertThat(headers.get(i).get("interchange-key")).hasToString(body[0]);
            assertThat(headers.get(i).get("cloudEvents:type")).hasToString("com.example.payments.invoice.paid");
            perKey.computeIfAbsent(body[0], k -> new ArrayList<>()).add(Integer.parseInt(body[1]));
        }
        assertThat(perKey).hasSize(10);
        perKey.forEach((key, seqs) -> assertThat(seqs).as(key).isSorted().hasSize(100).doesNotHaveDuplicates());
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }
}

package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** The example route routes/orders-sqs-to-kafka.yaml between a real ElasticMQ FIFO queue and a real Kafka broker. */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "camel.main.routes-include-pattern=file:routes/orders-sqs-to-kafka.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml",
        "orders.sqs.inbound-queue=" + OrdersSqsToKafkaIT.QUEUE, "orders.kafka.topic=" + OrdersSqsToKafkaIT.TOPIC})
class OrdersSqsToKafkaIT {

    static final String QUEUE = "it-orders-inbound.fifo";
    static final String TOPIC = "it-orders-from-sqs";

    private static String queueUrl;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        Brokers.kafka().createTopic(TOPIC, 6);
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            queueUrl = SqsQueues.create(sqs, QUEUE, false);
        }
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Test
    void bridgesOneThousandMessagesOfTenGroupsAllArriveKeyedByGroupInOrder() {
        long start = System.nanoTime();
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            for (int seq = 0; seq < 100; seq++) {
                List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
                for (int key = 0; key < 10; key++) {
                    batch.add(SendMessageBatchRequestEntry.builder().id("k" + key)
                            .messageGroupId("key-" + key).messageDeduplicationId("key-" + key + "-" + seq)
                            .messageBody("key-" + key + ":" + seq)
                            .messageAttributes(SqsQueues.eventAttributes("e-" + key + "-" + seq))
                            .build());
                }
                sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(batch));
            }
        }

        List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return received.size() >= 1000;
            });
            // Nothing more: each message was produced once (no failures happened).
            consumer.poll(Duration.ofSeconds(1)).forEach(received::add);
        }
        System.out.printf("SQS FIFO -> Kafka: 1000 messages of 10 groups in %d ms (send + bridge)%n",
                (System.nanoTime() - start) / 1_000_000);

        assertThat(received).hasSize(1000);
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : received) {
            String[] value = new String(record.value(), StandardCharsets.UTF_8).split(":");
            assertThat(record.key()).isEqualTo(value[0]);
            assertThat(new String(record.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8))
                    .isEqualTo("e-" + value[0].substring(4) + "-" + value[1]);
            assertThat(new String(record.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8))
                    .isEqualTo("text/plain");
            assertThat(record.headers().lastHeader("sqs.MESSAGE_ID")).isNull();
            perKey.computeIfAbsent(value[0], k -> new ArrayList<>()).add(Integer.parseInt(value[1]));
        }
        assertThat(perKey).hasSize(10);
        perKey.forEach((key, seqs) -> assertThat(seqs).as(key).isSorted().hasSize(100).doesNotHaveDuplicates());
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> SqsQueues.size(sqs, queueUrl) == 0);
        }
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return Brokers.kafka().consumer("orders-sqs-to-kafka-it");
    }
}

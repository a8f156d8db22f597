package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.cloudevents.TestEvents;
import io.interchange.brokers.GatewayProperties;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** The example route routes/orders-kafka-to-sqs.yaml between a real Kafka broker and a real ElasticMQ FIFO queue. */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "camel.main.routes-include-pattern=file:routes/orders-kafka-to-sqs.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml",
        "orders.kafka.topic=" + OrdersKafkaToSqsIT.TOPIC, "orders.sqs.outbound-queue=" + OrdersKafkaToSqsIT.QUEUE})
class OrdersKafkaToSqsIT {

    static final String TOPIC = "it-orders-to-sqs";
    static final String QUEUE = "it-orders-outbound.fifo";

    private static String queueUrl;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        Brokers.kafka().createTopic(TOPIC, 6);
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            // No content-based deduplication: the sink derives each message's id from the event's source and id.
            queueUrl = SqsQueues.create(sqs, QUEUE, false);
        }
        GatewayProperties.kafka(Brokers.kafka()).forEach((k, v) -> registry.add(k, () -> v));
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Test
    void bridgesOneThousandKeyedRecordsAllArriveGroupedByKeyInOrder() {
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int seq = 0; seq < 100; seq++) {
                for (int key = 0; key < 10; key++) {
                    producer.send(TestEvents.kafkaRecord(TOPIC, "key-" + key, "e-" + key + "-" + seq,
                            "key-" + key + ":" + seq));
                }
            }
            producer.flush();
        }

        List<Message> received = new ArrayList<>();
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID).messageAttributeNames("All"))
                        .messages();
                if (!messages.isEmpty()) {
                    received.addAll(messages);
                    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (int i = 0; i < messages.size(); i++) {
                        entries.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(i))
                                .receiptHandle(messages.get(i).receiptHandle()).build());
                    }
                    sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
                }
                return received.size() >= 1000;
            });
            System.out.printf("Kafka -> SQS FIFO: 1000 records of 10 keys in %d ms (produce + bridge + receive)%n",
                    (System.nanoTime() - start) / 1_000_000);
            assertThat(SqsQueues.size(sqs, queueUrl)).as("nothing beyond the 1,000").isZero();
        }

        assertThat(received).hasSize(1000);
        Map<String, List<Integer>> perGroup = new HashMap<>();
        for (Message message : received) {
            String[] value = message.body().split(":");
            assertThat(message.messageAttributes().get("ce_id").stringValue()).isEqualTo("e-" + value[0].substring(4) + "-" + value[1]);
            assertThat(message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)).isEqualTo(value[0]);
            perGroup.computeIfAbsent(value[0], k -> new ArrayList<>()).add(Integer.parseInt(value[1]));
        }
        assertThat(perGroup).hasSize(10);
        perGroup.forEach((group, seqs) -> assertThat(seqs).as(group).isSorted().hasSize(100).doesNotHaveDuplicates());
    }

    private static KafkaProducer<String, byte[]> producer() {
        return Brokers.kafka().producer();
    }
}

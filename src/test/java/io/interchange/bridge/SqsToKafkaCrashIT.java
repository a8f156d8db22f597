package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import io.interchange.GatewayProcess;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The gateway bridging an SQS FIFO queue to Kafka as its own process is killed with SIGKILL three
 * times mid-stream and started again: afterwards every message is on the topic. A message deleted
 * from SQS was acknowledged by Kafka first; one that was not comes back after its visibility timeout.
 */
class SqsToKafkaCrashIT {

    private static final int MESSAGES = 20_000;
    private static final String QUEUE = "crash-inbound.fifo";
    private static final String TOPIC = "orders-from-sqs-crash";

    @Test
    void killingTheGatewayThreeTimesLosesNothing() throws Exception {
        Brokers.kafka().createTopic(TOPIC, 6);
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            String url = SqsQueues.create(sqs, QUEUE, false);
            for (int i = 0; i < MESSAGES; i += 10) {
                List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
                for (int j = i; j < i + 10; j++) {
                    batch.add(SendMessageBatchRequestEntry.builder().id("m" + (j - i)).messageGroupId("key-" + (j % 200))
                            .messageDeduplicationId("sqs-crash-" + j).messageBody("sqs-crash-" + j)
                            .messageAttributes(SqsQueues.eventAttributes("sqs-crash-" + j)).build());
                }
                sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
            }
        }
        Map<String, String> environment = new HashMap<>();
        environment.putAll(GatewayProperties.kafka(Brokers.kafka()));
        environment.putAll(GatewayProperties.sqs(Brokers.sqs()));
        environment.put("orders.sqs.inbound-queue", QUEUE);
        environment.put("orders.kafka.topic", TOPIC);
        environment.put("camel.main.routes-include-pattern",
                "file:routes/orders-sqs-to-kafka.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml");

        Set<String> received = ConcurrentHashMap.newKeySet();
        AtomicInteger records = new AtomicInteger();
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = new Thread(() -> read(received, records, reading), "sqs-crash-reader");
        reader.start();
        try (GatewayProcess gateway = new GatewayProcess("sqs-crash", environment)) {
            gateway.start();
            for (int kill = 1; kill <= 3; kill++) {
                int threshold = kill * MESSAGES / 5;
                await().atMost(Duration.ofSeconds(240)).until(() -> received.size() >= threshold);
                gateway.kill();
                System.out.printf("SQS crash %d: gateway killed with SIGKILL after %d of %d messages arrived%n", kill,
                        received.size(), MESSAGES);
                assertThat(received.size()).as("killed mid-stream").isLessThan(MESSAGES);
                gateway.start();
            }
            await().atMost(Duration.ofSeconds(300)).until(() -> received.size() >= MESSAGES);
        } finally {
            reading.set(false);
            reader.join();
        }
        System.out.printf("SQS -> Kafka crash test: %d messages, %d records, %d duplicates after 3 SIGKILLs%n",
                MESSAGES, records.get(), records.get() - received.size());
        assertThat(received).hasSize(MESSAGES);
    }

    private static void read(Set<String> received, AtomicInteger records, AtomicBoolean reading) {
        try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("sqs-crash-reader")) {
            consumer.subscribe(List.of(TOPIC));
            while (reading.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    received.add(new String(record.value(), StandardCharsets.UTF_8));
                    records.incrementAndGet();
                }
            }
        }
    }
}

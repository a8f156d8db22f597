package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.GatewayProcess;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Large messages arriving at once on every source of one gateway whose heap is 256 MB: 500 records of 4 MiB
 * into Kafka, 500 messages of 4 MiB into RabbitMQ and 500 of 1 MiB (SQS's largest) into SQS, all three
 * shipped directions out of them running together. The sources' in-flight windows are bounded in bytes as
 * well as in count, so the gateway neither runs out of memory nor stalls: everything arrives.
 */
class LargeMessagesIT {

    private static final int COUNT = 500;
    private static final int LARGE = 4 * 1024 * 1024;
    private static final int SQS_LARGEST = 1024 * 1024;

    @Test
    void fiveHundredLargeMessagesOnEachSourceAtOnceFitA256MbHeap() throws Exception {
        topic("large-orders");
        topic("large-shipments");
        topic("large.dlt");
        String inboundUrl;
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            inboundUrl = SqsQueues.create(sqs, "large-inbound.fifo", false);
        }
        Set<String> atRabbitmq = ConcurrentHashMap.newKeySet();
        Set<String> atKafka = ConcurrentHashMap.newKeySet();
        Map<String, String> environment = new HashMap<>();
        environment.putAll(GatewayProperties.kafka(Brokers.kafka()));
        environment.putAll(GatewayProperties.amqp(Brokers.rabbitmq()));
        environment.putAll(GatewayProperties.sqs(Brokers.sqs()));
        environment.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN", "file:routes/orders-kafka-to-rabbitmq.yaml,"
                + "file:routes/shipments-rabbitmq-to-kafka.yaml,file:routes/invoices-sqs-to-rabbitmq.yaml,"
                + "file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml");
        environment.put("SPRING_APPLICATION_JSON", """
                {"orders.kafka.topic": "large-orders", "orders.kafka.group-id": "large-orders",
                 "orders.rabbitmq.exchange": "large", "orders.rabbitmq.max-body-bytes": 8388608,
                 "shipments.rabbitmq.queue": "large-shipments", "shipments.kafka.topic": "large-shipments",
                 "invoices.sqs.paid-queue": "large-inbound.fifo", "invoices.rabbitmq.exchange": "large",
                 "camel.component.kafka.max-request-size": 8388608,
                 "interchange.dead-letter.destinations.orders-kafka-to-rabbitmq": "%1$s",
                 "interchange.dead-letter.destinations.shipments-rabbitmq-to-kafka": "%1$s",
                 "interchange.dead-letter.destinations.invoices-sqs-to-rabbitmq": "%1$s"}
                """.formatted("kafka:large.dlt?requestRequiredAcks=all"
                + "&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer"));

        try (Connection rabbit = Brokers.rabbitmq().connect("large-it");
                GatewayProcess gateway = new GatewayProcess("large", environment)) {
            Channel channel = rabbit.createChannel();
            channel.exchangeDeclare("large", "topic", true);
            channel.queueDeclare("large-out", true, false, false, null);
            channel.queueBind("large-out", "large", "#");
            channel.queueDeclare("large-shipments", true, false, false, null);
            channel.basicConsume("large-out", true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    atRabbitmq.add(properties.getHeaders().get("cloudEvents:id").toString());
                }
            });
            gateway.start();

            // All three sources at once, as fast as the test can put them there.
            CompletableFuture<Void> kafka = CompletableFuture.runAsync(LargeMessagesIT::produceKafka);
            CompletableFuture<Void> amqp = CompletableFuture.runAsync(LargeMessagesIT::publishRabbitmq);
            CompletableFuture<Void> sqs = CompletableFuture.runAsync(() -> sendSqs(inboundUrl));
            CompletableFuture.allOf(kafka, amqp, sqs).get(10, TimeUnit.MINUTES);

            try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("large-it-" + System.nanoTime())) {
                consumer.subscribe(List.of("large-shipments"));
                await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        atKafka.add(new String(record.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8));
                    }
                    assertThat(gateway.isAlive()).as("the gateway process").isTrue();
                    return atKafka.size() >= COUNT && atRabbitmq.size() >= 2 * COUNT;
                });
            }
            assertThat(gateway.isAlive()).as("the gateway process").isTrue();
        }
        assertThat(atKafka).as("RabbitMQ -> Kafka, 4 MiB each").hasSize(COUNT);
        assertThat(atRabbitmq).as("Kafka -> RabbitMQ (4 MiB) and SQS -> RabbitMQ (1 MiB)").hasSize(2 * COUNT);
        String log = Files.readString(Path.of("target", "gateway-large.log"));
        assertThat(log).doesNotContain("OutOfMemoryError");
    }

    private static void topic(String name) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, 3, (short) 1)
                    .configs(Map.of("max.message.bytes", String.valueOf(2 * LARGE))))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw e;
            }
        }
        Brokers.kafka().createTopic(name, 3); // waits for the leaders
    }

    private static byte[] payload(int size, int seed) {
        byte[] data = new byte[size];
        Arrays.fill(data, (byte) ('a' + seed % 26));
        return data;
    }

    private static void produceKafka() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 * LARGE));
        properties.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(8 * LARGE));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < COUNT; i++) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>("large-orders", "k" + (i % 10), payload(LARGE, i));
                event(i, "kafka").forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
                producer.send(record);
            }
        }
    }

    private static void publishRabbitmq() {
        try (Connection connection = Brokers.rabbitmq().connect("large-publisher")) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            for (int i = 0; i < COUNT; i++) {
                Map<String, Object> headers = new HashMap<>();
                event(i, "rabbitmq").forEach((k, v) -> headers.put(k.replace("ce_", "cloudEvents:"), v));
                headers.remove("content-type");
                channel.basicPublish("", "large-shipments", new AMQP.BasicProperties.Builder()
                        .contentType("application/octet-stream").deliveryMode(2).headers(headers).build(), payload(LARGE, i));
                if (i % 50 == 49) {
                    channel.waitForConfirmsOrDie(120_000);
                }
            }
            channel.waitForConfirmsOrDie(120_000);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sendSqs(String url) {
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            for (int n = 0; n < COUNT; n++) {
                int i = n;
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                Map<String, software.amazon.awssdk.services.sqs.model.MessageAttributeValue> attributes = new HashMap<>();
                event(i, "sqs").forEach((k, v) -> attributes.put(k, SqsQueues.text(v)));
                attributes.put("content-type", SqsQueues.text("text/plain"));
                // a text body: SQS bodies are text
                String body = new String(payload(SQS_LARGEST - 4096, i), StandardCharsets.US_ASCII);
                entries.add(SendMessageBatchRequestEntry.builder().id("m").messageGroupId("g" + (i % 10))
                        .messageDeduplicationId("large-" + i).messageBody(body).messageAttributes(attributes).build());
                sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
            }
        }
    }

    private static Map<String, String> event(int i, String source) {
        return Map.of("ce_specversion", "1.0", "ce_id", source + "-" + i, "ce_source", "/large/" + source,
                "ce_type", "com.example.large.blob.stored", "content-type", "application/octet-stream");
    }
}

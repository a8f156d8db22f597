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
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
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
import io.interchange.cloudevents.TestEvents;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * SIGTERM, as Kubernetes stops a pod: the gateway drains what is in flight, commits, acks and deletes it,
 * and exits; the next gateway goes on from there. Mid-stream, for each kind of source: 0 duplicates, 0 lost.
 */
class GracefulShutdownIT {

    private static final int COUNT = 5_000;

    @Test
    void kafkaToRabbitmqStopsWithoutDuplicates() throws Exception {
        Brokers.kafka().createTopic("graceful-orders", 3);
        Map<String, String> environment = environment("file:routes/orders-kafka-to-rabbitmq.yaml");
        environment.put("ORDERS_KAFKA_TOPIC", "graceful-orders");
        environment.put("ORDERS_KAFKA_GROUP_ID", "graceful-orders");
        environment.put("ORDERS_RABBITMQ_EXCHANGE", "graceful");
        try (Connection rabbit = Brokers.rabbitmq().connect("graceful-it")) {
            Counted counted = consumeRabbitmq(rabbit, "graceful-orders-out", "order.#");
            try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
                for (int i = 0; i < COUNT; i++) {
                    producer.send(TestEvents.kafkaRecord("graceful-orders", "key-" + (i % 50), "kafka-" + i, "kafka-" + i));
                }
            }
            stopMidStreamAndFinish(environment, counted);
        }
    }

    @Test
    void rabbitmqToKafkaStopsWithoutDuplicates() throws Exception {
        Brokers.kafka().createTopic("graceful-shipments", 3);
        Map<String, String> environment = environment("file:routes/shipments-rabbitmq-to-kafka.yaml");
        environment.put("SHIPMENTS_RABBITMQ_QUEUE", "graceful-shipments");
        environment.put("SHIPMENTS_KAFKA_TOPIC", "graceful-shipments");
        try (Connection rabbit = Brokers.rabbitmq().connect("graceful-it")) {
            Channel channel = rabbit.createChannel();
            channel.queueDeclare("graceful-shipments", true, false, false, null);
            channel.confirmSelect();
            for (int i = 0; i < COUNT; i++) {
                Map<String, Object> headers = new HashMap<>(TestEvents.amqpHeaders("rabbit-" + i, "text/plain"));
                headers.remove("Content-Type");
                headers.put("interchange-key", "key-" + (i % 50));
                channel.basicPublish("", "graceful-shipments", new AMQP.BasicProperties.Builder().contentType("text/plain")
                        .deliveryMode(2).headers(headers).build(), ("rabbit-" + i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(60_000);
        }
        Counted counted = consumeKafka("graceful-shipments");
        stopMidStreamAndFinish(environment, counted);
        counted.close();
    }

    @Test
    void sqsToKafkaStopsWithoutDuplicates() throws Exception {
        Brokers.kafka().createTopic("graceful-from-sqs", 3);
        Map<String, String> environment = environment("file:routes/orders-sqs-to-kafka.yaml");
        environment.put("ORDERS_SQS_INBOUNDQUEUE", "graceful-in.fifo");
        environment.put("ORDERS_KAFKA_TOPIC", "graceful-from-sqs");
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            String url = SqsQueues.create(sqs, "graceful-in.fifo", false);
            for (int i = 0; i < COUNT; i += 10) {
                List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
                for (int j = i; j < i + 10; j++) {
                    batch.add(SendMessageBatchRequestEntry.builder().id("m" + (j - i)).messageGroupId("key-" + (j % 50))
                            .messageDeduplicationId("sqs-" + j).messageBody("sqs-" + j)
                            .messageAttributes(SqsQueues.eventAttributes("sqs-" + j)).build());
                }
                sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
            }
        }
        Counted counted = consumeKafka("graceful-from-sqs");
        stopMidStreamAndFinish(environment, counted);
        counted.close();
    }

    /** Start, SIGTERM once a fifth arrived, start again, wait for everything: count every delivery. */
    private static void stopMidStreamAndFinish(Map<String, String> environment, Counted counted) throws Exception {
        try (GatewayProcess gateway = new GatewayProcess("graceful", environment)) {
            gateway.start();
            await().atMost(Duration.ofSeconds(180)).until(() -> counted.distinct().size() >= COUNT / 5);
            gateway.close(); // SIGTERM, and wait for it to exit
            int atStop = counted.distinct().size();
            assertThat(atStop).as("stopped mid-stream").isLessThan(COUNT);
            gateway.start();
            await().atMost(Duration.ofSeconds(240)).until(() -> counted.distinct().size() >= COUNT);
        }
        System.out.printf("Graceful stop: %d messages, %d deliveries%n", COUNT, counted.deliveries().get());
        assertThat(counted.distinct()).hasSize(COUNT);
        assertThat(counted.deliveries().get()).as("deliveries: no duplicates after SIGTERM").isEqualTo(COUNT);
    }

    private static Map<String, String> environment(String route) {
        Map<String, String> environment = new HashMap<>();
        environment.putAll(GatewayProperties.kafka(Brokers.kafka()));
        environment.putAll(GatewayProperties.amqp(Brokers.rabbitmq()));
        environment.putAll(GatewayProperties.sqs(Brokers.sqs()));
        environment.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN", route + ",file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml");
        return environment;
    }

    private record Counted(Set<String> distinct, AtomicInteger deliveries, AutoCloseable resource) {
        void close() throws Exception {
            resource.close();
        }
    }

    private static Counted consumeRabbitmq(Connection rabbit, String queue, String binding) throws Exception {
        Set<String> distinct = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        Channel channel = rabbit.createChannel();
        channel.exchangeDeclare("graceful", "topic", true);
        channel.queueDeclare(queue, true, false, false, null);
        channel.queueBind(queue, "graceful", binding);
        channel.basicConsume(queue, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                distinct.add(new String(body, StandardCharsets.UTF_8));
                deliveries.incrementAndGet();
            }
        });
        return new Counted(distinct, deliveries, channel);
    }

    /** A consumer of the topic on its own thread, counting every record. */
    private static Counted consumeKafka(String topic) {
        Set<String> distinct = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        Thread thread = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("graceful-it-" + System.nanoTime())) {
                consumer.subscribe(List.of(topic));
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        distinct.add(new String(record.value(), StandardCharsets.UTF_8));
                        deliveries.incrementAndGet();
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // the test is over
            }
        }, "graceful-it-kafka");
        thread.start();
        return new Counted(distinct, deliveries, thread::interrupt);
    }
}

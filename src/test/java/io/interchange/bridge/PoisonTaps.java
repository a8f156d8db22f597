package io.interchange.bridge;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Records everything that arrives at the sinks and dead-letter destinations of the poison suite, with the
 * time it was seen: a Kafka consumer over assigned partitions (no group, from the beginning), a RabbitMQ
 * consumer per queue (auto-ack), and a poller per SQS queue that deletes what it received. Sinks are named
 * {@code kafka:<topic>}, {@code rabbitmq:<queue>} and {@code sqs:<queue>}.
 */
final class PoisonTaps implements AutoCloseable {

    /** One message seen at a sink: a Kafka ConsumerRecord, an {@link AmqpDelivery} or an SQS Message. */
    record Arrival(String sink, long atMillis, Object message) {
    }

    record AmqpDelivery(Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
    }

    private final Map<String, List<Arrival>> arrivals = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Map<TopicPartition, Long> kafkaPositions = new ConcurrentHashMap<>();
    private final List<String> rabbitQueues;
    private final Map<String, String> sqsQueueUrls;
    private final Connection rabbit;
    private final SqsClient sqs;
    private volatile KafkaConsumer<String, byte[]> kafka;
    private volatile boolean running = true;

    PoisonTaps(List<String> kafkaTopics, List<String> rabbitQueues, Map<String, String> sqsQueueUrls) throws Exception {
        this.rabbitQueues = List.copyOf(rabbitQueues);
        this.sqsQueueUrls = Map.copyOf(sqsQueueUrls);
        startKafka(kafkaTopics);
        rabbit = Brokers.rabbitmq().connect("poison-suite-taps");
        for (String queue : rabbitQueues) {
            Channel channel = rabbit.createChannel();
            channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    record("rabbitmq:" + queue, new AmqpDelivery(envelope, properties, body));
                }
            });
        }
        sqs = Brokers.sqs().sqsClient();
        sqsQueueUrls.forEach(this::startSqs);
    }

    private void startKafka(List<String> topics) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Brokers.kafka().bootstrapServers());
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        kafka = consumer;
        Thread thread = new Thread(() -> {
            try {
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        record("kafka:" + record.topic(), record);
                    }
                    for (TopicPartition partition : partitions) {
                        kafkaPositions.put(partition, consumer.position(partition));
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }, "poison-suite-kafka-tap");
        threads.add(thread);
        thread.start();
    }

    private void startSqs(String queue, String url) {
        Thread thread = new Thread(() -> {
            while (running) {
                try {
                    List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                            .waitTimeSeconds(1).messageAttributeNames("All")
                            .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)).messages();
                    List<DeleteMessageBatchRequestEntry> receipts = new ArrayList<>();
                    for (Message message : messages) {
                        record("sqs:" + queue, message);
                        receipts.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(receipts.size()))
                                .receiptHandle(message.receiptHandle()).build());
                    }
                    if (!receipts.isEmpty()) {
                        sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(receipts));
                    }
                } catch (RuntimeException e) {
                    if (running) {
                        System.err.println("SQS tap of " + queue + ": " + e);
                    }
                }
            }
        }, "poison-suite-sqs-tap-" + queue);
        threads.add(thread);
        thread.start();
    }

    private void record(String sink, Object message) {
        arrivals.computeIfAbsent(sink, s -> new CopyOnWriteArrayList<>())
                .add(new Arrival(sink, System.currentTimeMillis(), message));
    }

    /** Everything seen so far at one sink. */
    List<Arrival> at(String sink) {
        return arrivals.getOrDefault(sink, List.of());
    }

    /** Everything seen so far, by sink. */
    Map<String, List<Arrival>> all() {
        return Map.copyOf(arrivals);
    }

    /**
     * Whether the taps have seen everything their sinks hold: every partition read up to its end offset, every
     * tapped queue empty (an SQS message counts until the tap deleted it).
     */
    boolean caughtUp(Admin admin) throws ExecutionException, InterruptedException, TimeoutException, IOException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        kafkaPositions.keySet().forEach(p -> latest.put(p, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        for (var end : ends.entrySet()) {
            if (kafkaPositions.getOrDefault(end.getKey(), 0L) < end.getValue().offset()) {
                return false;
            }
        }
        try (Channel channel = rabbit.createChannel()) {
            for (String queue : rabbitQueues) {
                if (channel.messageCount(queue) > 0) {
                    return false;
                }
            }
        }
        for (String url : sqsQueueUrls.values()) {
            if (SqsQueues.size(sqs, url) > 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws Exception {
        running = false;
        KafkaConsumer<String, byte[]> consumer = kafka;
        if (consumer != null) {
            consumer.wakeup();
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        rabbit.close();
        sqs.close();
    }
}

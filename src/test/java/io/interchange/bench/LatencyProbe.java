package io.interchange.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.cloudevents.TestEvents;

/**
 * Sends records at a fixed rate, each stamped with System.nanoTime() at the moment it is handed to the Kafka
 * producer, and records when each arrives at a RabbitMQ consumer of the queue. Both ends are in this JVM,
 * so the clock is the same. A warm-up (until records arrive, then some seconds more) is sent first and not counted.
 *
 * <p>Body: 8 bytes send time, 1 byte phase (0 warm-up, 1 measured), 4 bytes sequence, then filler.
 */
final class LatencyProbe {

    record Result(int rate, int sent, int received, int duplicates, double p50Ms, double p99Ms, double p999Ms,
            double maxMs, double achievedRate) {
    }

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final int recordBytes;
    private final int keys;

    LatencyProbe(KafkaProducer<String, byte[]> producer, String topic, int recordBytes, int keys) {
        this.producer = producer;
        this.topic = topic;
        this.recordBytes = recordBytes;
        this.keys = keys;
    }

    /** Where the records arrive: calls back with each body, on one thread, until closed. */
    interface Receiver extends AutoCloseable {
        void start(java.util.function.Consumer<byte[]> arrived) throws Exception;
    }

    /** Deliveries from a RabbitMQ queue (autoAck). */
    static Receiver rabbitmq(Channel channel, String queue) {
        return new Receiver() {
            private String tag;

            @Override
            public void start(java.util.function.Consumer<byte[]> arrived) throws IOException {
                tag = channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                    @Override
                    public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                            byte[] body) {
                        arrived.accept(body);
                    }
                });
            }

            @Override
            public void close() throws IOException {
                channel.basicCancel(tag);
            }
        };
    }

    /** Records read straight from the topic by a consumer in this JVM: the floor Kafka alone sets. */
    static Receiver kafka(java.util.Properties consumerProperties, String topic) {
        return new Receiver() {
            private volatile boolean running = true;
            private Thread thread;

            @Override
            public void start(java.util.function.Consumer<byte[]> arrived) {
                thread = new Thread(() -> {
                    try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                            new org.apache.kafka.clients.consumer.KafkaConsumer<>(consumerProperties,
                                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                                    new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                        consumer.subscribe(java.util.List.of(topic));
                        while (running) {
                            consumer.poll(java.time.Duration.ofMillis(100)).forEach(r -> arrived.accept(r.value()));
                        }
                    }
                }, "bench-latency-kafka-consumer");
                thread.start();
            }

            @Override
            public void close() throws InterruptedException {
                running = false;
                thread.join(10_000);
            }
        };
    }

    Result run(Receiver receiver, int rate, int seconds, int warmupSeconds) throws Exception {
        int count = rate * seconds;
        long[] latencies = new long[count];
        boolean[] seen = new boolean[count];
        AtomicInteger received = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicLong firstWarmupArrival = new AtomicLong();
        receiver.start(body -> {
            long now = System.nanoTime();
            ByteBuffer buffer = ByteBuffer.wrap(body);
            long sent = buffer.getLong();
            byte phase = buffer.get();
            int seq = buffer.getInt();
            if (phase == 0) {
                firstWarmupArrival.compareAndSet(0, now);
            } else if (seen[seq]) {
                duplicates.incrementAndGet();
            } else {
                seen[seq] = true;
                latencies[seq] = now - sent;
                received.incrementAndGet();
            }
        });
        try (receiver) {
            // A topic just created may not take writes yet on a busy broker (appends fail and the producer
            // retries for up to two minutes): one acknowledged warm-up record per partition first.
            for (org.apache.kafka.common.PartitionInfo partition : producer.partitionsFor(topic)) {
                ByteBuffer probe = ByteBuffer.allocate(recordBytes);
                probe.putLong(System.nanoTime()).put((byte) 0).putInt(0);
                producer.send(TestEvents.asCloudEvent(
                        new ProducerRecord<>(topic, partition.partition(), "probe", probe.array()), "probe-" + partition.partition()))
                        .get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
            long interval = 1_000_000_000L / rate;
            // Warm-up: until the copier delivers, then some seconds more: the backlog of its start drains and the
            // JIT compilers of both clients and brokers settle.
            long start = System.nanoTime();
            long next = start;
            int i = 0;
            while (true) {
                long arrived = firstWarmupArrival.get();
                if (arrived != 0 && System.nanoTime() - arrived > warmupSeconds * 1_000_000_000L) {
                    break;
                }
                if (System.nanoTime() - start > 120_000_000_000L) {
                    throw new IllegalStateException("no warm-up record arrived within 120 s");
                }
                next = pace(next, interval);
                send((byte) 0, i++);
            }
            long measuredStart = System.nanoTime();
            next = measuredStart;
            for (int seq = 0; seq < count; seq++) {
                next = pace(next, interval);
                send((byte) 1, seq);
            }
            long measuredEnd = System.nanoTime();
            producer.flush();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (received.get() < count && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            long[] got = new long[received.get()];
            int n = 0;
            for (int seq = 0; seq < count && n < got.length; seq++) {
                if (seen[seq]) {
                    got[n++] = latencies[seq];
                }
            }
            Arrays.sort(got);
            double achieved = count / ((measuredEnd - measuredStart) / 1e9);
            return new Result(rate, count, got.length, duplicates.get(), percentileMs(got, 0.50),
                    percentileMs(got, 0.99), percentileMs(got, 0.999), got.length == 0 ? -1 : got[got.length - 1] / 1e6,
                    achieved);
        }
    }

    private static long pace(long next, long interval) {
        long now = System.nanoTime();
        while (next - now > 0) {
            LockSupport.parkNanos(next - now);
            now = System.nanoTime();
        }
        return next + interval;
    }

    private void send(byte phase, int seq) {
        ByteBuffer body = ByteBuffer.allocate(recordBytes);
        // Every record a distinct event (the warm-up too): a repeated id would be a duplicate to a deduplicating copier.
        body.putLong(System.nanoTime()).put(phase).putInt(phase == 0 ? 0 : seq);
        producer.send(TestEvents.asCloudEvent(new ProducerRecord<>(topic, "key-" + (seq % keys), body.array()),
                "latency-" + phase + "-" + seq));
    }

    static double percentileMs(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
    }
}

package io.interchange.dev;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

/**
 * Sends one record to the dev-mode Kafka topic {@code orders} and prints it as it arrives on the
 * AMQP queue {@code orders.created}, through the example route. Run by {@code scripts/try-it.sh}.
 */
public final class TryIt {

    private TryIt() {
    }

    public static void main(String[] args) throws Exception {
        String payload = args.length > 0 ? args[0] : "{\"orderId\":1}";
        Properties dev = new Properties();
        try (var in = Files.newBufferedReader(DevGateway.DEV_PROPERTIES)) {
            dev.load(in);
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(dev.getProperty("amqp.host"));
        factory.setPort(Integer.parseInt(dev.getProperty("amqp.port")));
        factory.setUsername(dev.getProperty("amqp.username"));
        factory.setPassword(dev.getProperty("amqp.password"));
        CompletableFuture<String> arrived = new CompletableFuture<>();
        try (Connection connection = factory.newConnection("try-it")) {
            Channel channel = connection.createChannel();
            channel.basicConsume("orders.created", false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                        byte[] body) throws java.io.IOException {
                    String text = new String(body, StandardCharsets.UTF_8);
                    if (text.equals(payload)) {
                        channel.basicAck(envelope.getDeliveryTag(), false);
                        arrived.complete("routing key " + envelope.getRoutingKey() + ", headers "
                                + properties.getHeaders() + ": " + text);
                    } else {
                        channel.basicNack(envelope.getDeliveryTag(), false, true);
                    }
                }
            });
            Properties kafka = new Properties();
            kafka.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, dev.getProperty("kafka.bootstrap-servers"));
            kafka.put(ProducerConfig.ACKS_CONFIG, "all");
            kafka.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            kafka.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            long sent = System.nanoTime();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka)) {
                // A CloudEvent in the Kafka binding's binary mode: the example route accepts nothing else.
                ProducerRecord<String, byte[]> record = new ProducerRecord<>("orders", "try-it",
                        payload.getBytes(StandardCharsets.UTF_8));
                java.util.Map.of("ce_specversion", "1.0", "ce_id", java.util.UUID.randomUUID().toString(),
                        "ce_source", "/interchange/try-it", "ce_type", "io.interchange.try-it.order.created",
                        "content-type", "text/plain").forEach((name, value) ->
                                record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
                producer.send(record).get();
            }
            System.out.println("Sent a CloudEvent to Kafka topic 'orders': " + payload);
            String result = arrived.get(30, TimeUnit.SECONDS);
            System.out.printf("Arrived on AMQP queue 'orders.created' after %d ms, %s%n",
                    (System.nanoTime() - sent) / 1_000_000, result);
        }
    }
}

package io.interchange.bridge.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.GatewayProcess;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.deadletter.AbandonedMessageException;

/**
 * What a Kafka record went through survives the gateway: a record that stops the JVM each time it is
 * processed is dead-lettered, unprocessed, after max-attempts deaths (the records around it all arrive);
 * a record that keeps failing is dead-lettered at max-attempts counted over two gateway processes, with the
 * first failure the first process saw. Each gateway is a separate JVM.
 */
class KafkaSourceCrashCountIT {

    private static final int MAX_ATTEMPTS = 3;

    @Test
    void aRecordThatStopsTheGatewayIsDeadLetteredAfterMaxAttemptsDeaths() throws Exception {
        Scenario scenario = new Scenario("crash-halt");
        scenario.produce(20, 10, "halt");
        int starts = 0;
        try (GatewayProcess gateway = scenario.gateway(MAX_ATTEMPTS, null)) {
            while (!scenario.done()) {
                assertThat(starts).as("gateway starts: a death in normal mode and one reading on after it, then one"
                        + " per careful attempt").isLessThanOrEqualTo(MAX_ATTEMPTS + 2);
                gateway.start();
                starts++;
                await().atMost(Duration.ofSeconds(120)).until(() -> !gateway.isAlive() || scenario.done());
            }
        }
        assertThat(starts).as("the gateway died on the record each time it ran it").isGreaterThan(MAX_ATTEMPTS);
        ConsumerRecord<String, byte[]> deadLetter = scenario.deadLetter();
        assertThat(header(deadLetter, "interchange-dlq-exception")).isEqualTo(AbandonedMessageException.class.getName());
        assertThat(header(deadLetter, "interchange-dlq-reason")).contains("stopped " + MAX_ATTEMPTS + " times");
        assertThat(header(deadLetter, "interchange-dlq-original-location")).isEqualTo("kafka:crash-halt/0@10");
    }

    @Test
    void aFailingRecordsAttemptsAreCountedAcrossAGatewayRestart() throws Exception {
        int maxAttempts = 4;
        Scenario scenario = new Scenario("crash-fail");
        scenario.produce(10, 5, "fail");
        int management = LoopbackPorts.free();
        Instant restarted;
        try (GatewayProcess first = scenario.gateway(maxAttempts, management)) {
            first.start();
            // Three failed attempts, the count of two of them committed; then the gateway dies.
            await().atMost(Duration.ofSeconds(120)).until(() -> failures(management) >= 3);
            first.kill();
        }
        restarted = Instant.now();
        try (GatewayProcess second = scenario.gateway(maxAttempts, null)) {
            second.start();
            await().atMost(Duration.ofSeconds(120)).until(scenario::done);
        }
        ConsumerRecord<String, byte[]> deadLetter = scenario.deadLetter();
        assertThat(header(deadLetter, "interchange-dlq-attempts")).isEqualTo(String.valueOf(maxAttempts));
        assertThat(Instant.parse(header(deadLetter, "interchange-dlq-first-failure-time")))
                .as("the first failure, seen by the first gateway").isBefore(restarted);
        assertThat(header(deadLetter, "interchange-dlq-reason")).isEqualTo("this record always fails");
    }

    private static long failures(int managementPort) {
        try {
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("interchange_bridge_failed_total\\{[^}]*routeId=\"crash-count\"[^}]*} (\\S+)")
                    .matcher(metrics);
            return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
        } catch (Exception e) {
            return 0; // not up yet
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** A topic of one partition, good records around one poison record, a RabbitMQ sink and a dead-letter topic. */
    private static final class Scenario {

        private final String name;
        private final Set<String> arrived = ConcurrentHashMap.newKeySet();
        private final Map<String, ConsumerRecord<String, byte[]>> deadLetters = new ConcurrentHashMap<>();
        private int goods;
        private String poison;
        private Connection rabbit;
        private KafkaConsumer<String, byte[]> dlt;

        Scenario(String name) throws Exception {
            this.name = name;
            Brokers.kafka().createTopic(name, 1);
            Brokers.kafka().createTopic(name + ".dlt", 1);
            rabbit = Brokers.rabbitmq().connect(name);
            Channel channel = rabbit.createChannel();
            channel.exchangeDeclare(name, "topic", true);
            channel.queueDeclare(name, true, false, false, null);
            channel.queueBind(name, name, "#");
            channel.basicConsume(name, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    arrived.add(new String(body, StandardCharsets.UTF_8));
                }
            });
            dlt = Brokers.kafka().consumer(name + "-dlt-" + System.nanoTime());
            dlt.subscribe(List.of(name + ".dlt"));
        }

        void produce(int count, int poisonAt, String poisonBody) throws Exception {
            poison = poisonBody;
            try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
                for (int i = 0; i < count; i++) {
                    String body = i == poisonAt ? poisonBody : "good-" + i;
                    producer.send(new ProducerRecord<>(name, "k", body.getBytes(StandardCharsets.UTF_8))).get();
                }
            }
            goods = count - 1;
        }

        GatewayProcess gateway(int maxAttempts, Integer managementPort) {
            Map<String, String> environment = new HashMap<>();
            environment.putAll(GatewayProperties.kafka(Brokers.kafka()));
            environment.putAll(GatewayProperties.amqp(Brokers.rabbitmq()));
            environment.put("CRASH_TOPIC", name);
            environment.put("CRASH_GROUP", name);
            environment.put("CRASH_EXCHANGE", name);
            environment.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN",
                    "file:src/test/resources/routes-crash/crash-count.yaml,file:routes/dead-letter.yaml");
            environment.put("SPRING_APPLICATION_JSON", "{\"interchange.dead-letter.max-attempts\":" + maxAttempts
                    + ",\"interchange.dead-letter.destinations.crash-count\":\"kafka:" + name + ".dlt"
                    + "?requestRequiredAcks=all&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                    + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer\"}");
            if (managementPort != null) {
                environment.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(managementPort));
            }
            return new GatewayProcess(name, environment);
        }

        boolean done() {
            for (ConsumerRecord<String, byte[]> record : dlt.poll(Duration.ofMillis(100))) {
                deadLetters.put(new String(record.value(), StandardCharsets.UTF_8), record);
            }
            return arrived.size() >= goods && deadLetters.containsKey(poison);
        }

        ConsumerRecord<String, byte[]> deadLetter() throws Exception {
            assertThat(arrived).as("every good record").hasSize(goods);
            assertThat(deadLetters).as("only the poison record is dead-lettered").containsOnlyKeys(poison);
            dlt.close();
            rabbit.close();
            return deadLetters.get(poison);
        }
    }
}

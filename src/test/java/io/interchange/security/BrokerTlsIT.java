package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import io.interchange.GatewayProcess;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.KafkaBroker;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.brokers.RabbitMqBroker;
import io.interchange.brokers.TestTls;
import io.interchange.cloudevents.TestEvents;

/**
 * The gateway, configured only through the INTERCHANGE_* variables a deployment sets, bridging Kafka to
 * RabbitMQ over the secured listeners platform teams run: Kafka over TLS with a client certificate, and over
 * SASL_SSL with SCRAM-SHA-512; RabbitMQ over mutual TLS (AMQPS, a client certificate required). All three
 * trust only a private CA. A RabbitMQ certificate of another CA is refused: nothing is delivered or
 * dead-lettered, and once the right CA is configured every record arrives.
 */
class BrokerTlsIT {

    private static final String EXCHANGE = "orders-tls";
    private static final String QUEUE = "orders.tls";

    private final KafkaBroker kafka = Brokers.kafka();
    private final RabbitMqBroker rabbitmq = Brokers.rabbitmq();
    private final TestTls tls = TestTls.get();
    private final Set<String> received = ConcurrentHashMap.newKeySet();
    private Connection rabbit;
    private int management;

    @BeforeEach
    void queue() throws Exception {
        rabbit = rabbitmq.connect("tls-it");
        Channel channel = rabbit.createChannel();
        channel.exchangeDeclare(EXCHANGE, "topic", true);
        channel.queueDeclare(QUEUE, true, false, false, null);
        channel.queuePurge(QUEUE);
        channel.queueBind(QUEUE, EXCHANGE, "order.#");
        channel.basicConsume(QUEUE, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                received.add(new String(body, StandardCharsets.UTF_8));
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        rabbit.close();
    }

    @Test
    void kafkaWithAClientCertificateToRabbitmqWithAClientCertificate() throws Exception {
        String topic = "orders-mtls";
        Map<String, String> environment = gateway(topic);
        environment.put("INTERCHANGE_KAFKA_BROKERS", kafka.mtlsBootstrapServers());
        environment.put("INTERCHANGE_KAFKA_SECURITY_PROTOCOL", "SSL");
        environment.put("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_LOCATION", tls.truststore().toString());
        environment.put("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_PASSWORD", tls.password());
        environment.put("INTERCHANGE_KAFKA_SSL_KEYSTORE_LOCATION", tls.clientKeystore().toString());
        environment.put("INTERCHANGE_KAFKA_SSL_KEYSTORE_PASSWORD", tls.password());
        environment.put("INTERCHANGE_KAFKA_SSL_KEY_PASSWORD", tls.password());
        environment.putAll(rabbitmqTls(tls.truststore()));

        bridges(topic, environment, "mtls");
    }

    @Test
    void kafkaWithScramOverTlsToRabbitmqWithAClientCertificate() throws Exception {
        String topic = "orders-scram";
        Map<String, String> environment = gateway(topic);
        environment.put("INTERCHANGE_KAFKA_BROKERS", kafka.saslSslBootstrapServers());
        environment.put("INTERCHANGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        environment.put("INTERCHANGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
        environment.put("INTERCHANGE_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule"
                + " required username=\"" + kafka.scramUser() + "\" password=\"" + kafka.scramPassword() + "\";");
        environment.put("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_LOCATION", tls.truststore().toString());
        environment.put("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_PASSWORD", tls.password());
        environment.putAll(rabbitmqTls(tls.truststore()));

        bridges(topic, environment, "scram");
        // The credentials of the deployment are never written to the log.
        assertThat(Files.readString(log("scram"))).doesNotContain(kafka.scramPassword()).doesNotContain(tls.password());
    }

    @Test
    void aRabbitmqCertificateOfAnotherCaIsRefusedAndNothingIsLost() throws Exception {
        String topic = "orders-foreign-ca";
        Map<String, String> environment = gateway(topic);
        environment.putAll(Map.of("INTERCHANGE_KAFKA_BROKERS", kafka.bootstrapServers()));
        environment.putAll(rabbitmqTls(tls.foreignTruststore()));
        produce(topic, "foreign", 20);
        Files.deleteIfExists(log("tls-foreign-ca"));

        try (GatewayProcess gateway = new GatewayProcess("tls-foreign-ca", environment)) {
            gateway.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.readString(log("tls-foreign-ca"))
                    .contains("PKIX path building failed"));
            Thread.sleep(5_000); // the gateway keeps trying; nothing may get through or be dead-lettered meanwhile
            assertThat(received).isEmpty();
            assertThat(deadLetters("foreign")).as("records dead-lettered for a broker the gateway cannot trust").isZero();
        }

        environment.putAll(rabbitmqTls(tls.truststore()));
        try (GatewayProcess gateway = new GatewayProcess("tls-foreign-ca-fixed", environment)) {
            gateway.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> received.size() >= 20);
        }
        assertThat(received).hasSize(20).allMatch(body -> body.startsWith("foreign-"));
    }

    private void bridges(String topic, Map<String, String> environment, String name) throws Exception {
        Files.deleteIfExists(log(name));
        try (GatewayProcess gateway = new GatewayProcess(name, environment)) {
            gateway.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> status("/actuator/health/readiness") == 200);
            produce(topic, name, 50);
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 50);
        }
        assertThat(received).hasSize(50).allMatch(body -> body.startsWith(name + "-"));
    }

    private Map<String, String> gateway(String topic) throws Exception {
        kafka.createTopic(topic, 3);
        management = LoopbackPorts.free();
        Map<String, String> environment = new HashMap<>();
        environment.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(management));
        environment.put("ORDERS_KAFKA_TOPIC", topic);
        environment.put("ORDERS_KAFKA_GROUP_ID", topic + "-gateway");
        environment.put("ORDERS_RABBITMQ_EXCHANGE", EXCHANGE);
        environment.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN",
                "file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml");
        return environment;
    }

    private Map<String, String> rabbitmqTls(Path truststore) {
        Map<String, String> environment = new HashMap<>();
        environment.put("INTERCHANGE_RABBITMQ_HOST", "127.0.0.1");
        environment.put("INTERCHANGE_RABBITMQ_PORT", String.valueOf(rabbitmq.tlsPort()));
        environment.put("INTERCHANGE_RABBITMQ_USERNAME", rabbitmq.username());
        environment.put("INTERCHANGE_RABBITMQ_PASSWORD", rabbitmq.password());
        environment.put("INTERCHANGE_RABBITMQ_SSL_ENABLED", "true");
        environment.put("INTERCHANGE_RABBITMQ_SSL_TRUSTSTORE_LOCATION", truststore.toString());
        environment.put("INTERCHANGE_RABBITMQ_SSL_TRUSTSTORE_PASSWORD", tls.password());
        environment.put("INTERCHANGE_RABBITMQ_SSL_KEYSTORE_LOCATION", tls.clientKeystore().toString());
        environment.put("INTERCHANGE_RABBITMQ_SSL_KEYSTORE_PASSWORD", tls.password());
        return environment;
    }

    /** CloudEvents produced over the plaintext listener, as another team's service would. */
    private void produce(String topic, String prefix, int count) throws Exception {
        try (KafkaProducer<String, byte[]> producer = kafka.producer()) {
            for (int i = 0; i < count; i++) {
                producer.send(TestEvents.kafkaRecord(topic, "k" + (i % 5), prefix + "-id-" + i, prefix + "-" + i)).get();
            }
        }
    }

    /** Dead letters of the orders route (orders.dlt) whose data starts with {@code prefix}. */
    private long deadLetters(String prefix) {
        kafka.createTopic("orders.dlt", 1);
        try (KafkaConsumer<String, byte[]> consumer = kafka.consumer("tls-it-" + System.nanoTime())) {
            consumer.subscribe(java.util.List.of("orders.dlt"));
            long count = 0;
            for (int poll = 0; poll < 5; poll++) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofSeconds(1));
                count += java.util.stream.StreamSupport.stream(records.spliterator(), false)
                        .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains(prefix + "-")).count();
            }
            return count;
        }
    }

    private int status(String path) throws Exception {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management
                    + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.net.ConnectException e) {
            return -1; // not listening yet
        }
    }

    private static Path log(String name) {
        return Path.of("target", "gateway-" + name + ".log");
    }
}

package io.interchange.dev;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.AmqpBroker;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.KafkaBroker;
import io.interchange.brokers.NarayanaLraCoordinator;
import io.interchange.brokers.SqsBroker;
import io.interchange.saga.SimulatedParticipants;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Dev mode ({@code ./mvnw spring-boot:test-run}): starts a real Kafka broker, ElasticMQ, an AMQP
 * broker (RabbitMQ if installed, else Qpid Broker-J) and the Narayana LRA coordinator on 127.0.0.1,
 * then the gateway with the routes in {@code routes/}. Writes the brokers' addresses to
 * {@code target/dev/dev.properties} for {@code scripts/try-it.sh}. Ctrl-C stops everything.
 */
public final class DevGateway {

    private static final Logger LOG = LoggerFactory.getLogger(DevGateway.class);

    static final Path DEV_PROPERTIES = Path.of("target/dev/dev.properties");

    private DevGateway() {
    }

    /** The Kafka topics and SQS queues the example routes read (config/application.yaml); existing ones are kept. */
    public static void createExampleTopicsAndQueues(KafkaBroker kafka, SqsBroker sqs) {
        kafka.createTopic("orders", 6);
        // The order saga's request and reply topics (order-saga.kafka.* in config/application.yaml).
        for (String topic : new String[] {"saga.order.requests", "saga.shipping.requests", "saga.replies"}) {
            kafka.createTopic(topic, 3);
        }
        // The FIFO queues of the example routes (orders.sqs.* in config/application.yaml).
        try (SqsClient client = sqs.sqsClient()) {
            SqsQueues.create(client, "orders-inbound.fifo", false);
            SqsQueues.create(client, "orders-outbound.fifo", false);
            SqsQueues.create(client, "orders-inbound-dlq", false);
            SqsQueues.create(client, "invoices-issued.fifo", false);
            SqsQueues.create(client, "invoices-paid.fifo", false);
            SqsQueues.create(client, "invoices-dlq", false);
            SqsQueues.create(client, "saga-inventory-requests", false);
            SqsQueues.create(client, "saga-replies", false);
        }
    }

    public static void main(String[] args) throws IOException {
        long started = System.nanoTime();
        KafkaBroker kafka = Brokers.kafka();
        SqsBroker sqs = Brokers.sqs();
        createExampleTopicsAndQueues(kafka, sqs);
        AmqpBroker amqp = Brokers.devAmqp();
        NarayanaLraCoordinator lra = NarayanaLraCoordinator.shared();

        Map<String, Object> properties = new LinkedHashMap<>();
        properties.putAll(GatewayProperties.kafka(kafka));
        properties.putAll(GatewayProperties.amqp(amqp));
        properties.putAll(GatewayProperties.sqs(sqs));
        properties.putAll(GatewayProperties.lra(lra));
        // The order saga (routes/order-saga.yaml) on, with simulated participants answering over the brokers.
        properties.put("INTERCHANGE_SAGA_ENABLED", "true");

        ConfigurableApplicationContext gateway = new SpringApplicationBuilder(InterchangeApplication.class)
                .initializers(context -> context.getBeanFactory()
                        .registerSingleton("simulatedParticipants", new SimulatedParticipants()))
                .properties(properties).run(args);

        Properties dev = new Properties();
        dev.setProperty("kafka.bootstrap-servers", kafka.bootstrapServers());
        dev.setProperty("amqp.host", amqp.host());
        dev.setProperty("amqp.port", String.valueOf(amqp.port()));
        dev.setProperty("amqp.username", amqp.username());
        dev.setProperty("amqp.password", amqp.password());
        Files.createDirectories(DEV_PROPERTIES.getParent());
        try (var out = Files.newBufferedWriter(DEV_PROPERTIES)) {
            dev.store(out, "Dev-mode brokers; read by scripts/try-it.sh");
        }
        Files.writeString(DEV_PROPERTIES.resolveSibling("classpath"), System.getProperty("java.class.path"));

        String management = gateway.getEnvironment().getProperty("local.management.port",
                gateway.getEnvironment().getProperty("management.server.port", "8081"));
        LOG.info("""

                ==== Interchange dev mode ready in {} s (RSS of the gateway JVM: {} MB) ====
                  Kafka           {}
                  AMQP            {} at {}:{}
                  SQS (ElasticMQ) {} (region {})
                  LRA coordinator {}
                  Management      http://127.0.0.1:{}/actuator/health
                  Try it:         scripts/try-it.sh '{"orderId":1}'
                  Order saga:     curl -s -XPOST -H 'Content-Type: application/json' http://127.0.0.1:{}/orders -d '{"orderId":"o-1"}'
                  Failing saga:   curl -s -XPOST -H 'Content-Type: application/json' http://127.0.0.1:{}/orders -d '{"orderId":"o-2","simulate":{"payment":"fail"}}'
                  Sagas:          http://127.0.0.1:{}/actuator/sagas
                """, String.format("%.1f", (System.nanoTime() - started) / 1e9), rssMegabytes(), kafka.bootstrapServers(),
                amqp.getClass().getSimpleName().replace("Broker", ""), amqp.host(), amqp.port(), sqs.endpoint(),
                sqs.region(), lra.url(), management, trafficPort(gateway), trafficPort(gateway), management);
    }

    private static String trafficPort(ConfigurableApplicationContext gateway) {
        return gateway.getEnvironment().getProperty("local.server.port",
                gateway.getEnvironment().getProperty("server.port", "8080"));
    }

    private static long rssMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not on Linux: say nothing useful rather than fail dev mode
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
    }
}

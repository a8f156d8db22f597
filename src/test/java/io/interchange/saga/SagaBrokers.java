package io.interchange.saga;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.KafkaBroker;
import io.interchange.brokers.NarayanaLraCoordinator;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What the order saga of routes/order-saga.yaml needs around a gateway, for the saga tests and the benchmark:
 * Kafka, RabbitMQ, ElasticMQ and the Narayana coordinator of this JVM (started on first use, shared), the Kafka
 * topics and SQS queues of {@code order-saga.*} in config/application.yaml (RabbitMQ's exchange and queues the
 * gateway declares itself from the same file), and the simulated participants in a context of their own.
 */
public final class SagaBrokers {

    static final List<String> KAFKA_TOPICS = List.of("saga.order.requests", "saga.shipping.requests", "saga.replies");
    static final List<String> SQS_QUEUES = List.of("saga-inventory-requests", "saga-replies");
    static final int PARTITIONS = 3;

    private SagaBrokers() {
    }

    /**
     * Starts what is not running yet, creates the topics and queues (again: no-op), and returns the settings that
     * point a gateway at all of it, by the names a deployment uses.
     */
    public static Map<String, String> prepare() {
        KafkaBroker kafka = Brokers.kafka();
        for (String topic : KAFKA_TOPICS) {
            kafka.createTopic(topic, PARTITIONS);
        }
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            SQS_QUEUES.forEach(queue -> SqsQueues.create(sqs, queue, false));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.putAll(GatewayProperties.kafka(kafka));
        settings.putAll(GatewayProperties.amqp(Brokers.rabbitmq()));
        settings.putAll(GatewayProperties.sqs(Brokers.sqs()));
        settings.putAll(GatewayProperties.lra(NarayanaLraCoordinator.shared()));
        return settings;
    }

    /**
     * The simulated participants as routes of a gateway context in this JVM with sagas off (no saga route, no
     * reply consumer), so that a gateway running elsewhere (its own JVM) is the one that runs the sagas.
     *
     * @param settings  from {@link #prepare()}
     * @param arguments more command-line arguments for that context, e.g. {@code --logging.level.root=WARN}
     */
    public static HostedParticipants hostParticipants(Map<String, String> settings, String... arguments) {
        // Command-line arguments, as they must win over config/application.yaml.
        List<String> args = new ArrayList<>(List.of("--camel.main.routes-include-pattern=file:routes/order-saga.yaml",
                "--interchange.saga.enabled=false", "--server.port=0", "--management.server.port=0"));
        args.addAll(List.of(arguments));
        SimulatedParticipants participants = new SimulatedParticipants();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(InterchangeApplication.class)
                .initializers(c -> c.getBeanFactory().registerSingleton("simulatedParticipants", participants))
                .properties(new LinkedHashMap<String, Object>(settings)).run(args.toArray(String[]::new));
        return new HostedParticipants(participants, context);
    }

    /** Participants and the context that runs them; closing it stops them. */
    public record HostedParticipants(SimulatedParticipants participants, ConfigurableApplicationContext context)
            implements AutoCloseable {
        @Override
        public void close() {
            context.close();
        }
    }
}

package io.interchange.brokers;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings that point the gateway at brokers of this harness, under the same names a deployment
 * sets as environment variables (config/application.yaml resolves them), so tests and dev mode
 * exercise the real configuration path.
 */
public final class GatewayProperties {

    private GatewayProperties() {
    }

    public static Map<String, String> kafka(KafkaBroker kafka) {
        return Map.of("INTERCHANGE_KAFKA_BROKERS", kafka.bootstrapServers());
    }

    public static Map<String, String> amqp(AmqpBroker amqp) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("INTERCHANGE_RABBITMQ_HOST", amqp.host());
        properties.put("INTERCHANGE_RABBITMQ_PORT", String.valueOf(amqp.port()));
        properties.put("INTERCHANGE_RABBITMQ_USERNAME", amqp.username());
        properties.put("INTERCHANGE_RABBITMQ_PASSWORD", amqp.password());
        return properties;
    }

    public static Map<String, String> sqs(SqsBroker sqs) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("INTERCHANGE_SQS_REGION", sqs.region());
        properties.put("INTERCHANGE_SQS_ENDPOINT", sqs.endpoint().toString());
        properties.put("camel.component.aws2-sqs.access-key", sqs.accessKeyId());
        properties.put("camel.component.aws2-sqs.secret-key", sqs.secretAccessKey());
        return properties;
    }

    public static Map<String, String> lra(NarayanaLraCoordinator coordinator) {
        return Map.of("INTERCHANGE_LRA_COORDINATOR_URL", coordinator.baseUrl());
    }
}

package io.interchange.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import io.interchange.GatewayProcess;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.cloudevents.TestEvents;
import io.interchange.dev.DevGateway;
import io.interchange.saga.SagaBrokers;
import io.interchange.saga.SimulatedParticipants;

/**
 * Every metric name the chart's alerts, KEDA triggers and Grafana dashboard query is one a running gateway
 * exports. The chart is rendered with all three on (ci/sagas-values.yaml: KEDA, the alerts with the saga group,
 * plus the dashboard); the names are read from each PromQL expression ({@link PromQlMetricNames}); then a gateway
 * with every example route and sagas on runs against real brokers and is made to record what some meters only
 * register at their first event: bridged events, a dead letter, a dead letter its destination refuses, a saga
 * completed, one compensated and one whose compensation fails. Its {@code /actuator/prometheus} must then list
 * every name, exactly as the queries write it.
 */
class ObservabilityMetricsIT {

    private static final String ORDERS_TOPIC = "metrics-orders";
    private static final String SHIPMENTS_QUEUE = "metrics-shipments";
    private static final Pattern SAMPLE_NAME = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyMetricTheAlertsAndTheDashboardQueryIsExportedByARunningGateway() throws Exception {
        Map<String, Set<String>> used = queriedNames();
        assertThat(used.keySet()).as("names read from the rendered queries (the extraction finds them)")
                .contains("interchange_dead_letters_total", "interchange_dead_letters_failed_total",
                        "interchange_bridge_progress_age_seconds", "interchange_bridge_backlog",
                        "interchange_saga_breaker_state", "interchange_saga_callbacks_failed_total",
                        "interchange_bridge_latency_seconds_count", "jvm_memory_used_bytes");

        Map<String, String> settings = new TreeMap<>(SagaBrokers.prepare());
        DevGateway.createExampleTopicsAndQueues(Brokers.kafka(), Brokers.sqs());
        settings.put("INTERCHANGE_SAGA_ENABLED", "true");
        settings.put("INTERCHANGE_HTTP_PORT", String.valueOf(LoopbackPorts.free()));
        settings.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(LoopbackPorts.free()));
        // The orders and shipments routes read a topic and a queue of this test's own, so that what it leaves
        // there reaches no other test; shipments' dead letters go to an exchange that does not exist.
        Brokers.kafka().createTopic(ORDERS_TOPIC, 3);
        String ordersDeadLetters = "kafka:" + ORDERS_TOPIC + ".dlt?requestRequiredAcks=all"
                + "&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer";
        settings.put("SPRING_APPLICATION_JSON", json.writeValueAsString(Map.of(
                "orders.kafka.topic", ORDERS_TOPIC, "orders.kafka.group-id", ORDERS_TOPIC,
                "orders.kafka.to-sqs-group-id", ORDERS_TOPIC + "-to-sqs", "shipments.rabbitmq.queue", SHIPMENTS_QUEUE,
                "interchange.dead-letter.destinations.orders-kafka-to-rabbitmq", ordersDeadLetters,
                "interchange.dead-letter.destinations.orders-kafka-to-sqs", ordersDeadLetters,
                "interchange.dead-letter.destinations.shipments-rabbitmq-to-kafka",
                "interchange-rabbitmq:metrics-it-missing-exchange?routingKey=dead")));
        int management = Integer.parseInt(settings.get("INTERCHANGE_MANAGEMENT_PORT"));

        try (Connection rabbitmq = Brokers.rabbitmq().connect("observability-metrics-it");
                SagaBrokers.HostedParticipants host = SagaBrokers.hostParticipants(SagaBrokers.prepare());
                GatewayProcess gateway = new GatewayProcess("observability-metrics", settings)) {
            Channel channel = rabbitmq.createChannel();
            channel.queueDeclare(SHIPMENTS_QUEUE, true, false, false, null);
            SimulatedParticipants participants = host.participants();
            gateway.start();
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> get(management, "/actuator/health/readiness").statusCode() == 200);

            // A bridged event, and one that is no CloudEvent: dead-lettered.
            try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
                String id = "metrics-" + UUID.randomUUID();
                producer.send(TestEvents.kafkaRecord(ORDERS_TOPIC, "o-1", id, id)).get();
                producer.send(new ProducerRecord<>(ORDERS_TOPIC, "o-2", "no cloud event".getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
            // No CloudEvent on the shipments queue either: its dead letter is refused, again at each redelivery.
            channel.basicPublish("", SHIPMENTS_QUEUE, null, "no cloud event".getBytes(StandardCharsets.UTF_8));

            URI orders = URI.create("http://127.0.0.1:" + settings.get("INTERCHANGE_HTTP_PORT") + "/orders");
            assertThat(placeOrder(orders, Map.of()).statusCode()).as("a saga that completes").isEqualTo(200);
            assertThat(placeOrder(orders, Map.of("payment", "fail")).statusCode()).as("one compensated").isEqualTo(409);
            participants.failCompensations("inventory", true);
            assertThat(placeOrder(orders, Map.of("payment", "fail")).statusCode()).as("one whose inventory cannot be"
                    + " released").isEqualTo(409);

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                String scrape = scrape(management);
                assertThat(sum(scrape, "interchange_dead_letters_total", "routeId=\"orders-kafka-to-rabbitmq\""))
                        .as("dead letters written").isPositive();
                assertThat(sum(scrape, "interchange_dead_letters_failed_total", "routeId=\"shipments-rabbitmq-to-kafka\""))
                        .as("dead letters refused").isPositive();
                assertThat(sum(scrape, "interchange_saga_duration_seconds_count", "outcome=\"completed\"")).isPositive();
                assertThat(sum(scrape, "interchange_saga_duration_seconds_count", "outcome=\"compensated\"")).isPositive();
                assertThat(sum(scrape, "interchange_saga_callbacks_failed_total", "kind=\"compensation\"",
                        "participant=\"inventory\"")).as("failed compensations").isPositive();
                assertThat(sum(scrape, "interchange_bridge_completed_total", "routeId=\"orders-kafka-to-rabbitmq\""))
                        .isPositive();
            });
            participants.failCompensations("inventory", false);

            Set<String> exported = exportedNames(scrape(management));
            Map<String, Set<String>> missing = new TreeMap<>(used);
            missing.keySet().removeAll(exported);
            assertThat(missing).as("metric names queried by the chart's alerts, KEDA triggers or dashboard (name ->"
                    + " where) that the gateway does not export; it exports " + exported).isEmpty();
            System.out.printf("Observability add-ons: %d metric names queried, all exported by the gateway%n", used.size());
            gateway.close();
            channel.queueDelete(SHIPMENTS_QUEUE);
        }
    }

    /** Metric name -> the alerts, triggers and panels that query it, from the chart rendered with every add-on on. */
    private Map<String, Set<String>> queriedNames() throws Exception {
        List<Map<String, Object>> docs = Helm.template(List.of("-f", Helm.CHART.resolve("ci/sagas-values.yaml").toString(),
                "--set", "grafanaDashboard.enabled=true"));
        Map<String, Set<String>> used = new TreeMap<>();
        int queries = 0;
        for (Map<String, Object> doc : docs) {
            switch (String.valueOf(doc.get("kind"))) {
                case "PrometheusRule" -> {
                    for (Map<String, Object> group : list(map(doc, "spec"), "groups")) {
                        for (Map<String, Object> rule : list(group, "rules")) {
                            String where = "alert " + rule.getOrDefault("alert", rule.get("record"));
                            add(used, PromQlMetricNames.of((String) rule.get("expr")), where);
                            queries++;
                        }
                    }
                }
                case "ScaledObject" -> {
                    for (Map<String, Object> trigger : list(map(doc, "spec"), "triggers")) {
                        // Only a prometheus trigger queries the gateway's metrics; the broker triggers read the brokers.
                        if ("prometheus".equals(trigger.get("type"))) {
                            add(used, PromQlMetricNames.of((String) map(trigger, "metadata").get("query")), "KEDA trigger");
                            queries++;
                        }
                    }
                }
                case "ConfigMap" -> {
                    Object dashboard = map(doc, "data").get("interchange.json");
                    if (dashboard != null) {
                        queries += dashboardQueries(json.readTree((String) dashboard), used);
                    }
                }
                default -> {
                }
            }
        }
        assertThat(queries).as("queries found in the rendered chart").isGreaterThan(25);
        return used;
    }

    private int dashboardQueries(JsonNode dashboard, Map<String, Set<String>> used) {
        int queries = 0;
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).path("panels").forEach(panels::add); // panels inside collapsed rows
            for (JsonNode target : panels.get(i).path("targets")) {
                add(used, PromQlMetricNames.of(target.path("expr").asText()), "panel " + panels.get(i).path("title").asText());
                queries++;
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                JsonNode query = variable.path("query");
                String text = query.isObject() ? query.path("query").asText() : query.asText();
                add(used, PromQlMetricNames.ofGrafanaVariable(text), "variable " + variable.path("name").asText());
                queries++;
            }
        }
        return queries;
    }

    private static void add(Map<String, Set<String>> used, Set<String> names, String where) {
        names.forEach(name -> used.computeIfAbsent(name, n -> new TreeSet<>()).add(where));
    }

    private static Set<String> exportedNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            Matcher name = SAMPLE_NAME.matcher(line);
            if (!line.startsWith("#") && name.find()) {
                names.add(name.group(1));
            }
        }
        return names;
    }

    /** The sum of the samples of metric {@code name} that carry every one of {@code labels} ({@code key="value"}). */
    private static double sum(String scrape, String name, String... labels) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") && List.of(labels).stream().allMatch(line::contains)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private String scrape(int management) throws Exception {
        HttpResponse<String> response = get(management, "/actuator/prometheus");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> placeOrder(URI orders, Map<String, String> simulate) throws Exception {
        String body = json.writeValueAsString(Map.of("orderId", "metrics-" + UUID.randomUUID(), "simulate", simulate));
        return http.send(HttpRequest.newBuilder(orders).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value instanceof Map<?, ?> ? (Map<String, Object>) value : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value instanceof List<?> ? (List<Map<String, Object>>) value : List.of();
    }
}

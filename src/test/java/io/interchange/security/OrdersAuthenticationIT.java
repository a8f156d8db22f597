package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.saga.SagaBrokers;
import io.interchange.saga.SimulatedParticipants;

/**
 * {@code POST /orders} with JWT authentication on, against the order saga on real Kafka, RabbitMQ, ElasticMQ and the
 * real Narayana coordinator: without a valid token the answer is 401 and no saga starts (no LRA, no participant hears
 * of the order); with one the saga runs, and the coordinator's callbacks, which carry no token, still reach the
 * gateway (the completions and compensations run).
 */
@DirtiesContext
@Import(OrdersAuthenticationIT.Participants.class)
@SpringBootTest(classes = InterchangeApplication.class, webEnvironment = WebEnvironment.DEFINED_PORT, properties = {
        "camel.main.routes-include-pattern=file:routes/order-saga.yaml",
        "interchange.saga.enabled=true",
        "management.server.port=0",
        "interchange.saga.timeout=30s",
        "interchange.saga.participants.order.call-timeout=3s",
        "interchange.saga.participants.inventory.call-timeout=3s",
        "interchange.saga.participants.payment.call-timeout=3s",
        "interchange.saga.participants.shipping.call-timeout=3s"})
class OrdersAuthenticationIT {

    private static final List<String> STEPS = List.of("order", "inventory", "payment", "shipping");
    private static final int PORT = LoopbackPorts.free();
    private static final TestIssuer ISSUER = new TestIssuer();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        SagaBrokers.prepare().forEach((k, v) -> registry.add(k, () -> v));
        registry.add("server.port", () -> PORT);
        // By the variable names a deployment sets: keys from the JWK set, issuer and audience checked.
        registry.add("INTERCHANGE_ORDERS_AUTH", () -> "jwt");
        registry.add("INTERCHANGE_ORDERS_JWT_JWK_SET_URI", ISSUER::jwkSetUri);
        registry.add("INTERCHANGE_ORDERS_JWT_ISSUER_URI", ISSUER::issuer);
        registry.add("INTERCHANGE_ORDERS_JWT_AUDIENCES", () -> TestIssuer.AUDIENCE);
    }

    @AfterAll
    static void stopIssuer() {
        ISSUER.close();
    }

    static class Participants {
        @Bean
        SimulatedParticipants simulatedParticipants() {
            return new SimulatedParticipants();
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Autowired
    SimulatedParticipants participants;

    @Autowired
    MeterRegistry meters;

    @LocalManagementPort
    int managementPort;

    @Test
    void withoutAValidTokenNoSagaStarts() throws Exception {
        double started = started();
        String orderId = "unauthenticated-" + UUID.randomUUID();
        for (String token : new String[] {null, ISSUER.expired(), ISSUER.signedByAnotherKey(), ISSUER.forAnotherAudience(),
                ISSUER.fromAnotherIssuer(), ISSUER.unsigned(), ISSUER.hmacWithThePublicKey()}) {
            HttpResponse<String> answer = placeOrder(orderId, Map.of(), token);
            assertThat(answer.statusCode()).as(String.valueOf(token)).isEqualTo(401);
            assertThat(answer.body()).doesNotContain("sagaId");
        }
        // A saga placed afterwards with a valid token is the only one that starts: by then any saga the refused
        // requests had started would have been counted too.
        assertThat(placeOrder("after-" + UUID.randomUUID(), Map.of(), ISSUER.valid()).statusCode()).isEqualTo(200);
        assertThat(started()).isEqualTo(started + 1);
        assertThat(participants.journal(orderId)).as("no participant heard of the refused order").isEmpty();
    }

    @Test
    void withAValidTokenTheSagaRunsAndTheCoordinatorsCallbacksNeedNone() throws Exception {
        String completed = "authenticated-" + UUID.randomUUID();
        HttpResponse<String> answer = placeOrder(completed, Map.of(), ISSUER.valid());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(json.readTree(answer.body()).path("status").asText()).isEqualTo("completed");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(completed, "completed"))
                .containsExactlyInAnyOrderElementsOf(STEPS));

        String compensated = "authenticated-failing-" + UUID.randomUUID();
        HttpResponse<String> failed = placeOrder(compensated, Map.of("payment", "fail"), ISSUER.valid());
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(409);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(compensated, "compensated"))
                .containsExactly("inventory", "order"));
    }

    @Test
    void theManagementPortNeedsNoToken() throws Exception {
        for (String path : List.of("/actuator/health/readiness", "/actuator/health/sagas", "/actuator/sagas")) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + managementPort + path)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(path).isEqualTo(200);
        }
    }

    private double started() {
        return meters.get("interchange.saga.started").counter().count();
    }

    private List<String> effects(String orderId, String effect) {
        return participants.journal(orderId).stream().filter(e -> e.effect().equals(effect))
                .map(SimulatedParticipants.Entry::participant).toList();
    }

    private HttpResponse<String> placeOrder(String orderId, Map<String, String> simulate, String token) throws Exception {
        String body = json.writeValueAsString(Map.of("orderId", orderId, "amount", 42, "simulate", simulate));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/orders"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(60));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

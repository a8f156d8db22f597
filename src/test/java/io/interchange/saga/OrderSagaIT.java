package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.brokers.NarayanaLraCoordinator;

/**
 * The order saga of routes/order-saga.yaml end to end: real Kafka, RabbitMQ and ElasticMQ, the real Narayana
 * LRA coordinator calling the gateway back over HTTP, and the simulated participants replying over the brokers.
 */
@DirtiesContext
@Import(OrderSagaIT.Participants.class)
@SpringBootTest(classes = InterchangeApplication.class, webEnvironment = WebEnvironment.DEFINED_PORT, properties = {
        "camel.main.routes-include-pattern=file:routes/order-saga.yaml",
        "interchange.saga.enabled=true",
        "management.server.port=0",
        "interchange.saga.timeout=30s",
        "interchange.saga.participants.order.call-timeout=3s",
        "interchange.saga.participants.inventory.call-timeout=3s",
        "interchange.saga.participants.payment.call-timeout=3s",
        "interchange.saga.participants.shipping.call-timeout=3s",
        // Opens after three failed calls in a row (other tests fail payment at most twice in a row), retries after 3 s.
        "interchange.saga.participants.payment.breaker.sliding-window-size=3",
        "interchange.saga.participants.payment.breaker.minimum-number-of-calls=3",
        "interchange.saga.participants.payment.breaker.failure-rate-threshold=100",
        "interchange.saga.participants.payment.breaker.wait-in-open-state=3s",
        "interchange.saga.participants.payment.breaker.permitted-calls-in-half-open=1"})
class OrderSagaIT {

    static final List<String> STEPS = List.of("order", "inventory", "payment", "shipping");
    private static final int PORT = LoopbackPorts.free();

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        SagaBrokers.prepare().forEach((k, v) -> registry.add(k, () -> v));
        // The coordinator calls the gateway back on its traffic port: a fixed free one, known before startup.
        registry.add("server.port", () -> PORT);
    }

    /** The simulated participants as routes of the gateway's Camel context, and a saga route of another user. */
    static class Participants {
        @org.springframework.context.annotation.Bean
        SimulatedParticipants simulatedParticipants() {
            return new SimulatedParticipants();
        }

        @org.springframework.context.annotation.Bean
        org.apache.camel.builder.RouteBuilder otherSaga() {
            return new org.apache.camel.builder.RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:other-saga").routeId("other-saga").saga().timeout(Duration.ofSeconds(30))
                            .to("log:other-saga?level=DEBUG");
                }
            };
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Autowired
    SimulatedParticipants participants;

    @Autowired
    MemorySagaLedger ledger;

    @Autowired
    MeterRegistry meters;

    @Autowired
    SagaBreakers breakers;

    @Autowired
    org.apache.camel.CamelContext camelContext;

    @LocalManagementPort
    int managementPort;

    @BeforeEach
    void closeBreakers() {
        breakers.breakers().values().forEach(CircuitBreaker::reset);
        SimulatedParticipants.Mode ok = SimulatedParticipants.Mode.OK;
        STEPS.forEach(step -> participants.mode(step, ok));
    }

    @Test
    void aParticipantTimingOutRepeatedlyOpensItsBreakerNextSagasFailFastAndCompensateAndItClosesAfterRecovery()
            throws Exception {
        participants.mode("payment", SimulatedParticipants.Mode.TIMEOUT);
        for (int i = 0; i < 3; i++) {
            assertThat(placeOrder("breaker-slow-" + i + "-" + UUID.randomUUID(), Map.of()).statusCode()).isEqualTo(409);
        }
        CircuitBreaker payment = breakers.breakers().get("payment");
        assertThat(payment.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(meters.get("interchange.saga.breaker.state").tag("participant", "payment").gauge().value()).isEqualTo(1);
        HttpResponse<String> health = get(managementPort, "/actuator/health/sagas");
        assertThat(health.body()).contains("CIRCUIT_OPEN").contains("\"payment\":\"OPEN\"");

        // While open: the saga fails at payment without calling it, well within the 3 s call timeout.
        String orderId = "breaker-open-" + UUID.randomUUID();
        long began = System.nanoTime();
        HttpResponse<String> failedFast = placeOrder(orderId, Map.of());
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        System.out.println("Saga with the payment breaker open failed in " + took.toMillis() + " ms");
        assertThat(failedFast.statusCode()).isEqualTo(409);
        assertThat(failedFast.body()).contains("CircuitBreaker 'payment' is OPEN");
        assertThat(took).isLessThan(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(orderId, "compensated"))
                .containsExactly("inventory", "order"));
        assertThat(effects(orderId, "done")).containsExactly("order", "inventory");

        // The participant recovers; after the open-state wait a trial call goes through and closes the breaker.
        participants.mode("payment", SimulatedParticipants.Mode.OK);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1)).until(() ->
                placeOrder("breaker-recovered-" + UUID.randomUUID(), Map.of()).statusCode() == 200);
        assertThat(payment.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(get(managementPort, "/actuator/health/sagas").body()).contains("\"payment\":\"CLOSED\"")
                .doesNotContain("CIRCUIT_OPEN");
    }

    @Test
    void theSagasEndpointListsSagasWithStepsAndMetricsCountThem() throws Exception {
        double started = meters.get("interchange.saga.started").counter().count();
        String orderId = "visible-" + UUID.randomUUID();
        HttpResponse<String> response = placeOrder(orderId, Map.of("shipping", "fail"));
        assertThat(response.statusCode()).isEqualTo(409);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode sagas = json.readTree(get(managementPort, "/actuator/sagas").body()).path("sagas");
            JsonNode saga = null;
            for (JsonNode candidate : sagas) {
                if (orderId.equals(candidate.path("orderId").asText())) {
                    saga = candidate;
                }
            }
            assertThat(saga).isNotNull();
            assertThat(saga.path("status").asText()).isEqualTo("compensated");
            assertThat(saga.path("steps")).hasSize(4);
            assertThat(saga.path("steps").get(3).path("status").asText()).isEqualTo("failed");
            assertThat(saga.path("steps").get(0).path("compensation").asText()).isEqualTo("done");
            assertThat(saga.path("steps").get(3).path("compensation").asText()).isEqualTo("nothing_to_do");
        });
        assertThat(meters.get("interchange.saga.started").counter().count()).isEqualTo(started + 1);
        assertThat(meters.get("interchange.saga.duration").tag("outcome", "compensated").timer().count()).isPositive();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theHappyPathCompletesAndEveryCompletionRunsOnce() throws Exception {
        String orderId = "happy-" + UUID.randomUUID();
        HttpResponse<String> response = placeOrder(orderId, Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = json.readTree(response.body());
        assertThat(answer.path("status").asText()).isEqualTo("completed");
        String sagaId = answer.path("sagaId").asText();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(orderId, "completed"))
                .containsExactlyInAnyOrderElementsOf(STEPS));
        assertThat(effects(orderId, "done")).containsExactlyElementsOf(STEPS);
        assertThat(effects(orderId, "compensated")).isEmpty();
        assertThat(participants.journal(orderId)).hasSize(8);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ledger.get(sagaId))
                .containsEntry("status", "completed"));
        // The saga's completion callback was confirmed with the coordinator first: what that costs per callback.
        Timer checks = meters.get("interchange.saga.callbacks.verification").timer();
        assertThat(checks.count()).isGreaterThanOrEqualTo(1);
        System.out.printf("Callback verification with the coordinator: %d checks so far, mean %.2f ms, max %.2f ms%n",
                checks.count(), checks.mean(TimeUnit.MILLISECONDS),
                checks.max(TimeUnit.MILLISECONDS));
    }

    /**
     * Anyone who reaches the traffic port can send what the coordinator sends. Callbacks naming LRAs the coordinator
     * does not know, or that are not LRAs of this gateway's coordinator at all, are refused before the ledger, a
     * participant or a broker sees them: however many arrive, the ledger does not grow.
     */
    @Test
    void forgedCallbacksForUnknownSagasAreRefusedAndLeaveNoTrace() throws Exception {
        int before = ledger.unknownSize();
        int ledgerSize = ledger.size();
        int journal = participants.journal().size();
        double rejected = rejected();
        Timer checks = meters.get("interchange.saga.callbacks.verification").timer();
        long checksBefore = checks.count();
        double checkTimeBefore = checks.totalTime(TimeUnit.MILLISECONDS);
        String ours = NarayanaLraCoordinator.shared().url();
        int forged = 1000;
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < forged; i++) {
                // Half look like LRAs of our coordinator (it answers 404), half name some other server.
                String lraId = i % 2 == 0 ? ours + "/0_ffff7f000001_-" + Integer.toHexString(i) + "_forged"
                        : "http://127.0.0.1:9/lra-coordinator/" + UUID.randomUUID();
                boolean compensate = i % 4 < 2;
                answers.add(senders.submit(() -> callback(lraId, compensate, "order")));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                assertThat(answer.get().statusCode()).as(answer.get().body()).isEqualTo(403);
            }
        } finally {
            senders.shutdownNow();
        }
        assertThat(rejected() - rejected).isEqualTo(forged);
        assertThat(checks.count() - checksBefore).as("only ids of our coordinator are asked about").isEqualTo(forged / 2);
        System.out.printf("Coordinator asked about %d forged LRAs (8 callbacks at once): mean %.2f ms per check%n",
                checks.count() - checksBefore,
                (checks.totalTime(TimeUnit.MILLISECONDS) - checkTimeBefore)
                        / (checks.count() - checksBefore));
        assertThat(ledger.unknownSize()).as("no entry for a forged saga").isEqualTo(before);
        assertThat(ledger.size()).isLessThanOrEqualTo(ledgerSize);
        assertThat(participants.journal()).as("no participant was asked to undo or confirm anything")
                .hasSize(journal);
    }

    /**
     * A callback with the id of a saga that is running is forged too: the coordinator reports the LRA Active, not
     * Cancelling or Closing. Without the check, this compensation would have cancelled the order of a saga that then
     * completed.
     */
    @Test
    void aForgedCompensationOfALiveSagaIsRefusedAndTheSagaCompletes() throws Exception {
        participants.lateBy(Duration.ofSeconds(2));
        try {
            String orderId = "forged-live-" + UUID.randomUUID();
            CompletableFuture<HttpResponse<String>> response = placeOrderAsync(orderId, Map.of("payment", "late"));
            // Payment has charged and replies in 2 s: meanwhile the saga is open (LRA Active).
            await().atMost(Duration.ofSeconds(20)).until(() -> effects(orderId, "done").contains("payment"));
            String sagaId = participants.journal(orderId).get(0).sagaId();
            double wrongStatus = rejected("lra-status");

            HttpResponse<String> compensation = callback(sagaId, true, "order");
            HttpResponse<String> completion = callback(sagaId, false, "payment");

            assertThat(compensation.statusCode()).as(compensation.body()).isEqualTo(403);
            assertThat(compensation.body()).contains("the LRA is Active");
            assertThat(completion.statusCode()).as(completion.body()).isEqualTo(403);
            assertThat(rejected("lra-status") - wrongStatus).isEqualTo(2);
            assertThat(response.get().statusCode()).as(response.get().body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(orderId, "completed"))
                    .containsExactlyInAnyOrderElementsOf(STEPS));
            assertThat(participants.journal(orderId)).extracting(SimulatedParticipants.Entry::effect)
                    .as("nothing undone, nothing confirmed twice").containsOnly("done", "completed").hasSize(8);
        } finally {
            participants.lateBy(Duration.ofSeconds(4));
        }
    }

    /**
     * Whatever a sender puts on the traffic port, the answer carries no stack trace (class names, versions, code
     * paths): a body that is not JSON, a callback without an LRA id, a callback naming a route no saga registered.
     */
    @Test
    void malformedRequestsGetNoStackTrace() throws Exception {
        HttpResponse<String> notJson = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/orders"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{not json"))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> noLra = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT
                        + "/lra-participant/compensate?Camel-Saga-Compensate=" + encode("direct://compensate-order-saga")))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unregistered = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT
                        + "/lra-participant/compensate?Camel-Saga-Compensate=" + encode("direct://saga-request-payment")))
                .header("Long-Running-Action", NarayanaLraCoordinator.shared().url() + "/0_ffff_x")
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        for (HttpResponse<String> answer : List.of(notJson, noLra, unregistered)) {
            System.out.printf("%s -> %d %s%n", answer.request().uri().getPath(), answer.statusCode(),
                    answer.body().lines().findFirst().orElse(""));
            assertThat(answer.statusCode()).as(answer.body()).isGreaterThanOrEqualTo(400);
            assertThat(answer.body()).as(answer.request().uri().toString()).doesNotContain("\tat ", "Exception", "org.apache");
        }
    }

    /** A callback as camel-lra registers it with the coordinator, for the compensation or completion of the saga. */
    private HttpResponse<String> callback(String lraId, boolean compensate, String participant) throws Exception {
        // One participant per saga: the same callbacks whichever step the sender means.
        String query = "orderId=forged&Camel-Saga-Compensate=" + encode("direct://compensate-order-saga")
                + "&Camel-Saga-Complete=" + encode("direct://complete-order-saga");
        URI uri = URI.create("http://127.0.0.1:" + PORT + "/lra-participant/" + (compensate ? "compensate" : "complete")
                + "?" + query);
        return http.send(HttpRequest.newBuilder(uri).header("Long-Running-Action", lraId)
                .PUT(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private double rejected() {
        return meters.find("interchange.saga.callbacks.rejected").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double rejected(String reason) {
        return meters.find("interchange.saga.callbacks.rejected").tag("reason", reason).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    @ParameterizedTest(name = "failure at {0}")
    @ValueSource(strings = {"order", "inventory", "payment", "shipping"})
    void aFailureAtAStepCompensatesExactlyTheStepsBeforeItInReverseOrderEachOnce(String failing) throws Exception {
        String orderId = "fail-" + failing + "-" + UUID.randomUUID();
        HttpResponse<String> response = placeOrder(orderId, Map.of(failing, "fail"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        String sagaId = json.readTree(response.body()).path("sagaId").asText();
        List<String> before = STEPS.subList(0, STEPS.indexOf(failing));
        List<String> reversed = new java.util.ArrayList<>(before);
        java.util.Collections.reverse(reversed);

        // The failed step joined the saga too: its participant is asked to compensate and has nothing to undo.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(effects(orderId, "nothing-to-compensate")).containsExactly(failing));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(effects(orderId, "compensated")).containsExactlyElementsOf(reversed));
        assertThat(effects(orderId, "done")).containsExactlyElementsOf(before);
        assertThat(effects(orderId, "failed")).containsExactly(failing);
        assertThat(effects(orderId, "completed")).isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ledger.get(sagaId))
                .containsEntry("status", "compensated"));
        // Nothing more arrives later (a repeated callback would show up as a second entry).
        Thread.sleep(1000);
        assertThat(effects(orderId, "compensated")).containsExactlyElementsOf(reversed);
    }

    @Test
    void aParticipantThatNeverRepliesIsCompensatedWithTheStepsBeforeIt() throws Exception {
        String orderId = "timeout-" + UUID.randomUUID();
        long began = System.nanoTime();
        HttpResponse<String> response = placeOrder(orderId, Map.of("payment", "timeout"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(response.body()).contains("no reply within");
        // It did charge (it only never answered), so its refund is a real compensation.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(orderId, "compensated"))
                .containsExactly("payment", "inventory", "order"));
    }

    @Test
    void aDuplicateReplyChangesNothing() throws Exception {
        double unmatched = meters.get("interchange.saga.replies.unmatched").counter().count();
        String orderId = "twice-" + UUID.randomUUID();
        HttpResponse<String> response = placeOrder(orderId, Map.of("inventory", "twice"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(orderId, "completed"))
                .containsExactlyInAnyOrderElementsOf(STEPS));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(meters.get("interchange.saga.replies.unmatched").counter().count()).isEqualTo(unmatched + 1));
        assertThat(effects(orderId, "done")).containsExactlyElementsOf(STEPS);
        assertThat(participants.journal(orderId)).hasSize(8);
    }

    /**
     * CAMEL-24147 (fixed upstream after 4.17): camel-lra 4.17 puts saga options into the callback URLs it registers
     * without encoding them. The steps used to pass the order id as an option, so an order id with '&', '=', '%', '#' or
     * spaces corrupted its saga's callbacks. The steps pass none now and the callbacks take the order id from the
     * ledger: such an order completes, and one failing at payment is compensated, with its order id intact.
     */
    @Test
    void camel24147AnOrderIdWithUrlSpecialCharactersCompletesAndCompensatesWithItsOrderId() throws Exception {
        String completes = "o 24147&Camel-Saga-Compensate=direct://ship-order&x=y%2Fz#é<>;," + UUID.randomUUID();
        HttpResponse<String> response = placeOrder(completes, Map.of());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(completes, "completed"))
                .containsExactlyInAnyOrderElementsOf(STEPS));
        assertThat(participants.journal(completes)).as("every entry, completions included, has the order id")
                .hasSize(8);

        String compensates = "o 24147 %ZZ&=&" + UUID.randomUUID();
        response = placeOrder(compensates, Map.of("payment", "fail"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(compensates, "compensated"))
                .containsExactly("inventory", "order"));
        assertThat(effects(compensates, "nothing-to-compensate")).containsExactly("payment");
    }

    /**
     * CAMEL-24150 (fixed upstream after 4.17): stopping any route with a saga stopped the context's one saga service,
     * and every other saga failed. With another user's saga route stopped, orders still complete and are compensated.
     */
    @Test
    void camel24150StoppingAnotherSagaRouteLeavesOrderSagasWorking() throws Exception {
        camelContext.getRouteController().stopRoute("other-saga");
        try {
            String completes = "other-stopped-" + UUID.randomUUID();
            HttpResponse<String> response = placeOrder(completes, Map.of());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            String compensates = "other-stopped-fail-" + UUID.randomUUID();
            assertThat(placeOrder(compensates, Map.of("shipping", "fail")).statusCode()).isEqualTo(409);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(compensates, "compensated"))
                    .containsExactly("payment", "inventory", "order"));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(effects(completes, "completed"))
                    .containsExactlyInAnyOrderElementsOf(STEPS));
        } finally {
            camelContext.getRouteController().startRoute("other-saga");
        }
    }

    private List<String> effects(String orderId, String effect) {
        return participants.journal(orderId).stream().filter(e -> e.effect().equals(effect))
                .map(SimulatedParticipants.Entry::participant).toList();
    }

    private CompletableFuture<HttpResponse<String>> placeOrderAsync(String orderId, Map<String, String> simulate)
            throws Exception {
        String body = json.writeValueAsString(Map.of("orderId", orderId, "amount", 42, "simulate", simulate));
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/orders"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> placeOrder(String orderId, Map<String, String> simulate) throws Exception {
        String body = json.writeValueAsString(Map.of("orderId", orderId, "amount", 42, "simulate", simulate));
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/orders"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

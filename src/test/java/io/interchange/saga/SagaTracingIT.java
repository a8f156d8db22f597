package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.interchange.InterchangeApplication;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.LoopbackPorts;
import io.interchange.brokers.PostgresBroker;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * With tracing on, an order saga is one connected trace: the order's entry, each step's request to its participant
 * (and the simulated participant, which continues the request's trace as a traced service would), each reply the
 * gateway reads, and the completion or compensation callback the real Narayana coordinator makes over HTTP with no
 * trace context at all, which the gateway puts into the saga's trace from the saga ledger (jdbc store, as in a
 * deployment: the callback may reach any replica). Every span exported while the order ran has the saga's trace id,
 * and every span's parent is another span of the trace or the caller's.
 */
@DirtiesContext
@SpringBootTest(classes = {InterchangeApplication.class, SagaTracingIT.Beans.class},
        webEnvironment = WebEnvironment.DEFINED_PORT, properties = {
        "camel.main.routes-include-pattern=file:routes/order-saga.yaml",
        "interchange.saga.enabled=true",
        "interchange.saga.store=jdbc",
        "interchange.tracing.enabled=true",
        "interchange.tracing.exporter=none",
        "management.server.port=0",
        "interchange.saga.timeout=30s",
        "interchange.saga.participants.order.call-timeout=5s",
        "interchange.saga.participants.inventory.call-timeout=5s",
        "interchange.saga.participants.payment.call-timeout=5s",
        "interchange.saga.participants.shipping.call-timeout=5s"})
class SagaTracingIT {

    private static final int PORT = LoopbackPorts.free();
    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static final Set<String> REPLY_DESTINATIONS = Set.of("saga.replies", "saga-replies");

    @TestConfiguration(proxyBeanMethods = false)
    static class Beans {
        @Bean
        InMemorySpanExporter inMemorySpans() {
            return SPANS;
        }

        @Bean
        SimulatedParticipants simulatedParticipants() {
            return new SimulatedParticipants();
        }
    }

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        SagaBrokers.prepare().forEach((k, v) -> registry.add(k, () -> v));
        PostgresBroker postgres = Brokers.postgres();
        registry.add("INTERCHANGE_DATASOURCE_URL", postgres::jdbcUrl);
        registry.add("INTERCHANGE_DATASOURCE_USERNAME", postgres::username);
        registry.add("INTERCHANGE_DATASOURCE_PASSWORD", postgres::password);
        // The coordinator calls the gateway back on its traffic port: a fixed free one, known before startup.
        registry.add("server.port", () -> PORT);
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Autowired
    SimulatedParticipants participants;

    @Autowired
    SagaLedger ledger;

    @BeforeEach
    void clear() {
        SPANS.reset();
    }

    @Test
    void aCompletedOrderIsOneTraceFromTheCallersSpanThroughTheCompletionCallback() throws Exception {
        String traceId = hex(32);
        String callerSpan = hex(16);
        String orderId = "traced-" + UUID.randomUUID();

        HttpResponse<String> response = placeOrder(orderId, Map.of(), "00-" + traceId + "-" + callerSpan + "-01");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String sagaId = json.readTree(response.body()).path("sagaId").asText();
        assertThat(ledger.traceparent(sagaId)).as("the trace context in the saga store")
                .startsWith("00-" + traceId + "-");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(effects(orderId, "completed"))
                .containsExactlyInAnyOrderElementsOf(OrderSagaIT.STEPS));
        // Four steps and four completions, each a request and a reply.
        List<SpanData> spans = awaitSaga("complete", 8, callerSpan);

        assertOneTrace(spans, callerSpan);
        assertThat(spans).extracting(SpanData::getTraceId).as("the caller's trace").containsOnly(traceId);
        assertThat(spans.stream().filter(span -> span.getParentSpanId().equals(callerSpan)))
                .as("the gateway's first span, a child of the caller's").hasSize(1)
                .allSatisfy(span -> assertThat(uri(span)).contains("/orders"));
        assertThat(requested(spans)).as("requests to every participant").containsAll(OrderSagaIT.STEPS);
        assertThat(received(spans, "complete-order-saga")).as("the completion callback's route").isNotEmpty();
    }

    @Test
    void aCompensatedOrderIsOneTraceThroughTheCompensationCallback() throws Exception {
        String orderId = "traced-fail-" + UUID.randomUUID();

        HttpResponse<String> response = placeOrder(orderId, Map.of("payment", "fail"), null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(effects(orderId, "compensated"))
                .containsExactly("inventory", "order"));
        // Three steps (payment failed) and three compensations (payment's has nothing to undo).
        List<SpanData> spans = awaitSaga("compensate", 6, null);

        assertOneTrace(spans, null);
        assertThat(spans.stream().filter(span -> !span.getParentSpanContext().isValid()))
                .as("one root: the order's entry, which started the trace").hasSize(1)
                .allSatisfy(span -> assertThat(uri(span)).contains("/orders"));
        assertThat(requested(spans)).as("requests to the participants")
                .containsAll(List.of("order", "inventory", "payment"));
        assertThat(received(spans, "compensate-order-saga")).as("the compensation callback's route").isNotEmpty();
    }

    /**
     * Every span one trace, and every span's parent a span of it: the caller's, if the caller sent its trace context;
     * else the trace's one root has none.
     */
    private static void assertOneTrace(List<SpanData> spans, String callerSpan) {
        Set<String> traces = spans.stream().map(SpanData::getTraceId).collect(Collectors.toSet());
        assertThat(traces).as("trace ids of the spans exported for the order:%s", describe(spans)).hasSize(1);
        Set<String> ids = spans.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        assertThat(ids).hasSameSizeAs(spans);
        List<String> orphans = spans.stream().filter(span -> span.getParentSpanContext().isValid()
                ? !ids.contains(span.getParentSpanId()) && !span.getParentSpanId().equals(callerSpan)
                : callerSpan != null).map(SagaTracingIT::describe).toList();
        assertThat(orphans).as("spans whose parent is not a span of the trace%s",
                callerSpan == null ? "" : " or the caller's").isEmpty();
    }

    /**
     * The spans exported since the order was placed, once they include the coordinator's callback, its route and
     * {@code replies} replies read by the gateway, and the parent of every span is among them or is the caller's (a
     * parent span ends after its children).
     */
    private List<SpanData> awaitSaga(String callback, int replies, String callerSpan) {
        Predicate<List<SpanData>> complete = spans -> {
            Set<String> ids = spans.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
            return spans.stream().anyMatch(span -> received(span)
                            && attribute(span, "http.url").endsWith("/lra-participant/" + callback))
                    && !received(spans, callback + "-order-saga").isEmpty()
                    && spans.stream().filter(span -> received(span) && REPLY_DESTINATIONS.contains(destination(span)))
                            .count() >= replies
                    && spans.stream().allMatch(span -> !span.getParentSpanContext().isValid()
                            || ids.contains(span.getParentSpanId()) || span.getParentSpanId().equals(callerSpan));
        };
        AtomicReference<List<SpanData>> spans = new AtomicReference<>();
        await("the " + callback + " callback, " + replies + " replies and the parent of every span exported")
                .atMost(Duration.ofSeconds(30))
                .until(() -> complete.test(spans.updateAndGet(previous -> SPANS.getFinishedSpanItems())));
        return spans.get();
    }

    /** Route spans of {@code direct:<route>}. */
    private static List<SpanData> received(List<SpanData> spans, String route) {
        return spans.stream().filter(span -> received(span) && uri(span).startsWith("direct://" + route)).toList();
    }

    /** The participants the gateway sent requests to (route saga-request-participant). */
    private static Set<String> requested(List<SpanData> spans) {
        return spans.stream().filter(span -> received(span) && uri(span).startsWith("direct://saga-request-"))
                .map(span -> uri(span).substring("direct://saga-request-".length())).collect(Collectors.toSet());
    }

    private static boolean received(SpanData span) {
        return "EVENT_RECEIVED".equals(attribute(span, "op"));
    }

    private static String uri(SpanData span) {
        return attribute(span, "camel.uri");
    }

    private static String destination(SpanData span) {
        return attribute(span, "messaging.destination.name");
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().asMap().entrySet().stream().filter(e -> e.getKey().getKey().equals(key))
                .map(e -> String.valueOf(e.getValue())).findFirst().orElse("");
    }

    private static String describe(SpanData span) {
        return span.getName() + " " + attribute(span, "op") + " " + uri(span) + " (trace " + span.getTraceId() + ")";
    }

    private static String describe(List<SpanData> spans) {
        return spans.stream().map(SagaTracingIT::describe).collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    private List<String> effects(String orderId, String effect) {
        return participants.journal(orderId).stream().filter(e -> e.effect().equals(effect))
                .map(SimulatedParticipants.Entry::participant).toList();
    }

    private HttpResponse<String> placeOrder(String orderId, Map<String, String> simulate, String traceparent)
            throws Exception {
        String body = json.writeValueAsString(Map.of("orderId", orderId, "amount", 42, "simulate", simulate));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/orders"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(60));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String hex(int digits) {
        return UUID.randomUUID().toString().replace("-", "").repeat(2).substring(0, digits);
    }
}

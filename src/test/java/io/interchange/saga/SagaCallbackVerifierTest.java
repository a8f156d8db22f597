package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import io.interchange.brokers.LoopbackPorts;

/**
 * Which callbacks the verifier lets run, against a stand-in for the coordinator's status resource on 127.0.0.1
 * (OrderSagaIT checks the same against the real Narayana coordinator).
 */
class SagaCallbackVerifierTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Status answer per LRA uid; a uid not in it answers 404. */
    private final Map<String, String> statuses = new ConcurrentHashMap<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private HttpServer coordinator;
    private String base;

    @BeforeEach
    void startCoordinator() throws IOException {
        coordinator = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        coordinator.createContext("/lra-coordinator/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            asked.add(exchange.getRequestMethod() + " " + path);
            String uid = path.substring("/lra-coordinator/".length()).replaceFirst("/status$", "");
            String status = statuses.get(uid);
            int code = status == null ? 404 : status.startsWith("HTTP ") ? Integer.parseInt(status.substring(5)) : 200;
            byte[] body = (status == null ? "Cannot find transaction id" : status).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(code, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        coordinator.start();
        base = "http://127.0.0.1:" + coordinator.getAddress().getPort();
    }

    @AfterEach
    void stopCoordinator() {
        coordinator.stop(0);
    }

    private SagaCallbackVerifier verifier(String coordinatorUrl) {
        return new SagaCallbackVerifier(new MockEnvironment().withProperty("camel.lra.coordinator-url", coordinatorUrl),
                meters);
    }

    private double rejected(String reason) {
        return meters.find("interchange.saga.callbacks.rejected").tag("reason", reason).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    @Test
    void aCompensationRunsOnlyWhileTheCoordinatorCancelsTheLra() {
        SagaCallbackVerifier verifier = verifier(base);
        statuses.put("0_ffff7f000001_-1a2b_3c4d_5", "Cancelling");
        statuses.put("0_ffff7f000001_-1a2b_3c4d_6", "Closing");
        statuses.put("0_ffff7f000001_-1a2b_3c4d_7", "Active");
        String cancelling = base + "/lra-coordinator/0_ffff7f000001_-1a2b_3c4d_5";
        String closing = base + "/lra-coordinator/0_ffff7f000001_-1a2b_3c4d_6";
        String active = base + "/lra-coordinator/0_ffff7f000001_-1a2b_3c4d_7";

        assertThat(verifier.verify(cancelling, "compensation").allowed()).isTrue();
        assertThat(verifier.verify(closing, "completion").allowed()).isTrue();
        assertThat(verifier.verify(cancelling, "completion")).extracting(v -> v.allowed(), v -> v.status())
                .containsExactly(false, 403);
        // A compensation of a closing LRA (Narayana's time limit after a completion it gave up on) may only be refused.
        assertThat(verifier.verify(closing, "compensation")).extracting(v -> v.allowed(), v -> v.refuseOnly())
                .containsExactly(true, true);
        assertThat(verifier.verify(cancelling, "compensation").refuseOnly()).isFalse();
        SagaCallbackVerifier.Verdict live = verifier.verify(active, "compensation");
        assertThat(live.allowed()).as("a forged compensation of a live saga").isFalse();
        assertThat(live.status()).isEqualTo(403);
        assertThat(live.reason()).contains("the LRA is Active");
        assertThat(rejected("lra-status")).as("the completion of a cancelling LRA and the live compensation").isEqualTo(2);
        assertThat(asked).allMatch(request -> request.startsWith("GET /lra-coordinator/") && request.endsWith("/status"));
    }

    @Test
    void anLraTheCoordinatorDoesNotKnowIsRefused() {
        SagaCallbackVerifier verifier = verifier(base);
        SagaCallbackVerifier.Verdict verdict = verifier.verify(base + "/lra-coordinator/0_ffff_gone", "compensation");
        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.status()).isEqualTo(403);
        assertThat(rejected("unknown-lra")).isEqualTo(1);
    }

    @Test
    void anIdThatIsNotAnLraOfTheConfiguredCoordinatorIsRefusedWithoutAskingAnyone() {
        SagaCallbackVerifier verifier = verifier(base);
        statuses.put("x", "Cancelling");
        int otherPort = LoopbackPorts.free();
        for (String forged : List.of(
                "http://127.0.0.1:" + otherPort + "/lra-coordinator/x",   // another coordinator (or any server)
                "https://127.0.0.1:" + coordinator.getAddress().getPort() + "/lra-coordinator/x",
                base + "/other/x", base + "/lra-coordinator/x/status", base + "/lra-coordinator/x?y=1",
                base + "/lra-coordinator/../lra-coordinator/x", base + "/lra-coordinator/x#f",
                "http://user@127.0.0.1:" + coordinator.getAddress().getPort() + "/lra-coordinator/x",
                base + "/lra-coordinator/", "not a url", "", "x".repeat(5000))) {
            SagaCallbackVerifier.Verdict verdict = verifier.verify(forged, "compensation");
            assertThat(verdict.allowed()).as(forged).isFalse();
            assertThat(verdict.status()).as(forged).isEqualTo(403);
        }
        assertThat(verifier.verify(null, "compensation").allowed()).isFalse();
        assertThat(asked).as("the coordinator is only ever asked about its own LRAs").isEmpty();
        assertThat(rejected("foreign-lra")).isEqualTo(13);
        // The scheme (and host) compare without case; the path must be exactly the coordinator's.
        assertThat(verifier.verify(base.replace("http:", "HTTP:") + "/lra-coordinator/x", "compensation")
                .allowed()).isTrue();
    }

    @Test
    void aCoordinatorThatCannotBeAskedMakesTheCallbackFailForARetry() {
        statuses.put("broken", "HTTP 500");
        SagaCallbackVerifier.Verdict broken = verifier(base).verify(base + "/lra-coordinator/broken", "completion");
        assertThat(broken).extracting(v -> v.allowed(), v -> v.status()).containsExactly(false, 503);

        String away = "http://127.0.0.1:" + LoopbackPorts.free();
        SagaCallbackVerifier.Verdict unreachable = verifier(away).verify(away + "/lra-coordinator/x", "completion");
        assertThat(unreachable).extracting(v -> v.allowed(), v -> v.status()).containsExactly(false, 503);
        assertThat(meters.get("interchange.saga.callbacks.verification").timer().count()).isEqualTo(2);
    }

    @Test
    void aCoordinatorUrlWithATrailingSlashOrAnotherContextPathWorks() {
        statuses.put("u1", "Closing");
        assertThat(verifier(base + "/").verify(base + "/lra-coordinator/u1", "completion").allowed()).isTrue();
        SagaCallbackVerifier custom = new SagaCallbackVerifier(new MockEnvironment()
                .withProperty("camel.lra.coordinator-url", base)
                .withProperty("camel.lra.coordinator-context-path", "/lra-coordinator/"), meters);
        assertThat(custom.verify(base + "/lra-coordinator/u1", "completion").allowed()).isTrue();
    }

    @Test
    void nothingIsCheckedWithTheInMemorySagaService() {
        SagaCallbackVerifier verifier = new SagaCallbackVerifier(new MockEnvironment()
                .withProperty("interchange.saga.service", "in-memory"), meters);
        assertThat(verifier.verify("anything", "compensation").allowed()).isTrue();
    }

    @Test
    void whatItLogsOfAnIdIsShortAndPrintable() {
        assertThat(SagaCallbackVerifier.printable("a\r\nb\u0000c")).isEqualTo("a??b?c");
        assertThat(SagaCallbackVerifier.printable("x".repeat(500))).hasSize(203);
    }
}

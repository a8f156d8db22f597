package io.interchange.brokers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Narayana LRA coordinator, driven over HTTP with a JDK HttpServer as the participant. */
class NarayanaLraCoordinatorIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Participant participant;
    private NarayanaLraCoordinator coordinator;

    @BeforeAll
    static void startParticipant() throws IOException {
        participant = new Participant();
    }

    @AfterAll
    static void stopParticipant() {
        participant.stop();
    }

    @BeforeEach
    void coordinator() {
        coordinator = NarayanaLraCoordinator.shared();
    }

    @Test
    void closingAnLraCompletesItsParticipant() throws Exception {
        URI lra = startLra("close", 0);
        join(lra);
        HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create(lra + "/status"))
                .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.body()).isEqualTo("{\"status\":\"Active\"}");

        assertThat(put(URI.create(lra + "/close")).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> participant.calls(lra).contains("complete"));
        assertThat(participant.calls(lra)).containsExactly("complete");
    }

    @Test
    void cancellingAnLraCompensatesItsParticipant() throws Exception {
        URI lra = startLra("cancel", 0);
        join(lra);

        assertThat(put(URI.create(lra + "/cancel")).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> participant.calls(lra).contains("compensate"));
        assertThat(participant.calls(lra)).containsExactly("compensate");
    }

    @Test
    void anLraPastItsTimeLimitIsCompensated() throws Exception {
        URI lra = startLra("timeout", 1000);
        join(lra);
        assertThat(participant.calls(lra)).isEmpty();

        await().atMost(Duration.ofSeconds(10)).until(() -> participant.calls(lra).contains("compensate"));
        assertThat(participant.calls(lra)).containsExactly("compensate");
    }

    @Test
    void aRestartedCoordinatorRecoversAnOpenLraFromItsObjectStore() throws Exception {
        URI lra = startLra("restart", 0);
        join(lra);
        int port = coordinator.port();
        Path store = coordinator.objectStoreDir();

        coordinator.stop();
        assertThatThrownBy(() -> get(URI.create(lra + "/status"))).isInstanceOf(ConnectException.class);
        coordinator = NarayanaLraCoordinator.start(store, port);

        assertThat(coordinator.url()).isEqualTo("http://127.0.0.1:" + port + "/lra-coordinator");
        assertThat(get(URI.create(lra + "/status")).body()).isEqualTo("Active");
        assertThat(put(URI.create(lra + "/close")).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> participant.calls(lra).contains("complete"));
        assertThat(participant.calls(lra)).containsExactly("complete");
        assertThat(NarayanaLraCoordinator.shared()).isSameAs(coordinator);
    }

    @Test
    void aRestartedCoordinatorStillEnforcesTheTimeLimitOfARecoveredLra() throws Exception {
        URI lra = startLra("restart-timeout", 3000);
        join(lra);
        int port = coordinator.port();
        Path store = coordinator.objectStoreDir();

        coordinator.stop();
        coordinator = NarayanaLraCoordinator.start(store, port);
        assertThat(participant.calls(lra)).isEmpty();

        await().atMost(Duration.ofSeconds(10)).until(() -> participant.calls(lra).contains("compensate"));
        assertThat(participant.calls(lra)).containsExactly("compensate");
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        // Every listening socket on the coordinator's port, from the kernel's table: all must be 127.0.0.1.
        List<String> listeners = listeningAddresses(coordinator.port());
        assertThat(listeners).isNotEmpty().allMatch(address -> address.equals("127.0.0.1"));

        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            for (InetAddress address : nic.inetAddresses().toList()) {
                if (!address.isLoopbackAddress()) {
                    assertThatThrownBy(() -> new Socket(address, coordinator.port()).close())
                            .as("connect via %s", address).isInstanceOf(IOException.class);
                }
            }
        }
    }

    @Test
    void oneCoordinatorPerJvm() {
        assertThatThrownBy(() -> NarayanaLraCoordinator.start(Path.of("target", "brokers", "lra", "second")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailedStartLeavesNothingBehindAndTheSharedCoordinatorComesBack() throws Exception {
        URI lra = startLra("survives-failed-start", 0);
        int port = coordinator.port();
        coordinator.stop();

        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> NarayanaLraCoordinator.start(coordinator.objectStoreDir(), busy.getLocalPort()))
                    .isInstanceOf(RuntimeException.class);
        }

        coordinator = NarayanaLraCoordinator.shared();
        assertThat(coordinator.port()).isEqualTo(port);
        assertThat(get(URI.create(lra + "/status")).body()).isEqualTo("Active");
        assertThat(put(URI.create(lra + "/cancel")).statusCode()).isEqualTo(200);
    }

    private URI startLra(String clientId, long timeLimitMillis) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create(coordinator.url() + "/start?ClientID=" + clientId + "&TimeLimit=" + timeLimitMillis))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).startsWith(coordinator.url() + "/");
        return URI.create(response.body());
    }

    /** Joins the participant the way camel-lra does: a Link header with compensate and complete URLs. */
    private void join(URI lra) throws Exception {
        String link = "<" + participant.url("compensate") + ">; rel=\"compensate\", <"
                + participant.url("complete") + ">; rel=\"complete\"";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(lra).header("Link", link)
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> put(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Local addresses of LISTEN sockets on the port, read from /proc/net/tcp and tcp6 (Linux). */
    private static List<String> listeningAddresses(int port) throws IOException {
        List<String> addresses = new CopyOnWriteArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                String[] local = fields[1].split(":");
                if (fields[3].equals("0A") && Integer.parseInt(local[1], 16) == port) {
                    addresses.add(decode(local[0]));
                }
            }
        }
        return addresses;
    }

    /** Kernel hex (little-endian words) to dotted IPv4; an IPv4-mapped IPv6 address is reported as its IPv4 part. */
    private static String decode(String hex) throws IOException {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(word * 8 + (3 - i) * 2, word * 8 + (3 - i) * 2 + 2), 16);
            }
        }
        InetAddress address = InetAddress.getByAddress(bytes);
        return address instanceof Inet4Address ? address.getHostAddress() : address.getHostAddress().toLowerCase(Locale.ROOT);
    }

    /** A participant that answers the coordinator's PUT /complete and /compensate and records them per LRA. */
    private static final class Participant {
        private final HttpServer server;
        private final Map<String, List<String>> calls = new ConcurrentHashMap<>();

        Participant() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/participant/complete", exchange -> record(exchange, "complete", "Completed"));
            server.createContext("/participant/compensate", exchange -> record(exchange, "compensate", "Compensated"));
            server.start();
        }

        private void record(HttpExchange exchange, String call, String status) throws IOException {
            String lra = exchange.getRequestHeaders().getFirst("Long-Running-Action");
            calls.computeIfAbsent(lra, k -> new CopyOnWriteArrayList<>()).add(call);
            byte[] body = status.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/participant/" + path;
        }

        List<String> calls(URI lra) {
            return calls.getOrDefault(lra.toString(), List.of());
        }

        void stop() {
            server.stop(0);
        }
    }
}

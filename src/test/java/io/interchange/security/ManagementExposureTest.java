package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import io.interchange.InterchangeApplication;

/** Actuator serves health, info, prometheus and the read-only sagas view on the management port, and nothing else anywhere. */
@AutoConfigureObservability
// Closed after the class: Camel registers its HTTP servlet by name per JVM, so a cached context would stop the next.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"management.server.port=0", "interchange.routes-dir=src/test/resources/routes-heartbeat"})
class ManagementExposureTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int serverPort;

    @LocalManagementPort
    int managementPort;

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
            "/actuator/info", "/actuator/prometheus", "/actuator/sagas", "/actuator/health/sagas"})
    void managementPortServes(String path) throws Exception {
        assertThat(get(managementPort, path).statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/env", "/actuator/configprops", "/actuator/beans", "/actuator/heapdump",
            "/actuator/threaddump", "/actuator/loggers", "/actuator/mappings", "/actuator/camelroutes",
            "/actuator/shutdown", "/actuator/metrics"})
    void everyOtherEndpointIsAbsent(String path) throws Exception {
        assertThat(get(managementPort, path).statusCode()).isEqualTo(404);
    }

    @org.junit.jupiter.api.Test
    void theSagasEndpointIsReadOnly() throws Exception {
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/actuator/sagas"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isIn(404, 405);
        assertThat(get(managementPort, "/actuator/sagas").body()).isEqualTo("{\"sagas\":[]}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/prometheus", "/actuator/env", "/actuator/sagas"})
    void theTrafficPortServesNoActuator(String path) throws Exception {
        assertThat(get(serverPort, path).statusCode()).isEqualTo(404);
    }

    /** Spring Security is on the class path (for JWT on POST /orders): it must add no login, logout or user pages. */
    @ParameterizedTest
    @ValueSource(strings = {"/login", "/logout", "/login?error", "/oauth2/authorization/x", "/.well-known/jwks.json"})
    void securityAddsNoPagesOnEitherPort(String path) throws Exception {
        assertThat(get(serverPort, path).statusCode()).isEqualTo(404);
        assertThat(get(managementPort, path).statusCode()).isEqualTo(404);
    }

    @org.junit.jupiter.api.Test
    void healthShowsNoDetailsAndPrometheusHasCamelMetrics() throws Exception {
        String health = get(managementPort, "/actuator/health").body();
        assertThat(health).contains("\"status\"").doesNotContain("components", "details");
        assertThat(get(managementPort, "/actuator/prometheus").body()).contains("jvm_memory_used_bytes");
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

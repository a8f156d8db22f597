package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.interchange.InterchangeApplication;

/**
 * With {@code interchange.security.orders.authentication=jwt} the traffic port lets through only requests with a valid
 * token of the configured issuer (found here through its discovery document, with an audience), except the LRA
 * callbacks; the management port stays open. No order route runs here (no brokers): a request that gets past the
 * token check is answered 404. OrdersAuthenticationIT does the same with the order saga running.
 */
@ExtendWith(OutputCaptureExtension.class)
@AutoConfigureObservability
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"management.server.port=0", "interchange.routes-dir=src/test/resources/routes-heartbeat"})
class TrafficPortAuthenticationTest {

    private static final TestIssuer ISSUER = new TestIssuer();

    @DynamicPropertySource
    static void authentication(DynamicPropertyRegistry registry) {
        // By the variable names a deployment sets.
        registry.add("INTERCHANGE_ORDERS_AUTH", () -> "jwt");
        registry.add("INTERCHANGE_ORDERS_JWT_ISSUER_URI", ISSUER::issuer);
        registry.add("INTERCHANGE_ORDERS_JWT_AUDIENCES", () -> "another-api," + TestIssuer.AUDIENCE);
    }

    @AfterAll
    static void stopIssuer() {
        ISSUER.close();
    }

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int serverPort;

    @LocalManagementPort
    int managementPort;

    @Test
    void anOrderWithoutATokenIsRefusedWithABearerChallenge() throws Exception {
        HttpResponse<String> answer = send("POST", serverPort, "/orders", null);
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }

    @Test
    void everyKindOfBadTokenIsRefused() throws Exception {
        for (String token : new String[] {ISSUER.expired(), ISSUER.signedByAnotherKey(), ISSUER.fromAnotherIssuer(),
                ISSUER.forAnotherAudience(), ISSUER.unsigned(), ISSUER.hmacWithThePublicKey(), "not-a-jwt", ""}) {
            HttpResponse<String> answer = send("POST", serverPort, "/orders", token);
            assertThat(answer.statusCode()).as(token).isEqualTo(401);
        }
        // A token in the query string is not read (it would end up in access logs).
        assertThat(send("POST", serverPort, "/orders?access_token=" + ISSUER.valid(), null).statusCode()).isEqualTo(401);
    }

    @Test
    void aValidTokenGetsPastTheCheck() throws Exception {
        HttpResponse<String> answer = send("POST", serverPort, "/orders", ISSUER.valid());
        assertThat(answer.statusCode()).as("no order route in this test: past the token check, nothing answers")
                .isEqualTo(404);
        assertThat(ISSUER.jwksRequests()).as("keys fetched from the issuer's JWK set").isPositive();
    }

    @Test
    void onlyThePutCallbacksOfTheCoordinatorAreOpenWithoutAToken() throws Exception {
        assertThat(send("PUT", serverPort, "/lra-participant/compensate", null).statusCode()).as("open: 404 with sagas off")
                .isEqualTo(404);
        assertThat(send("PUT", serverPort, "/lra-participant/complete", null).statusCode()).isEqualTo(404);
        for (String[] closed : new String[][] {{"GET", "/lra-participant/compensate"},
                {"PUT", "/lra-participant/compensate/"}, {"PUT", "/lra-participant/other"}, {"PUT", "/orders"},
                {"GET", "/"}}) {
            assertThat(send(closed[0], serverPort, closed[1], null).statusCode()).as(closed[0] + " " + closed[1])
                    .isEqualTo(401);
        }
        for (String malformed : new String[] {"//orders", "/lra-participant/../orders", "/orders;x=1"}) {
            assertThat(send("POST", serverPort, malformed, null).statusCode()).as("rejected: " + malformed).isEqualTo(400);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/health/readiness", "/actuator/prometheus", "/actuator/sagas"})
    void theManagementPortNeedsNoTokenAndTheTrafficPortServesNoActuator(String path) throws Exception {
        assertThat(send("GET", managementPort, path, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", serverPort, path, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", serverPort, path, ISSUER.valid()).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/env", "/actuator/beans", "/actuator/heapdump", "/actuator/loggers",
            "/actuator/mappings", "/actuator/shutdown", "/actuator/metrics", "/login", "/logout"})
    void theManagementPortExposesNothingMoreWithAuthenticationOn(String path) throws Exception {
        assertThat(send("GET", managementPort, path, null).statusCode()).isEqualTo(404);
        assertThat(send("POST", managementPort, path, null).statusCode()).isIn(404, 405);
    }

    @Test
    void noPasswordIsGeneratedOrLogged(CapturedOutput output) {
        assertThat(output.getAll()).doesNotContainIgnoringCase("security password")
                .contains("need a JWT bearer token");
    }

    private HttpResponse<String> send(String method, int port, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{\"orderId\":\"o-1\"}"));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

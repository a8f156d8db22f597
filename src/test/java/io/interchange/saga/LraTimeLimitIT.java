package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.service.lra.LRASagaService;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.Test;

import io.interchange.brokers.NarayanaLraCoordinator;

/**
 * An LRA whose gateway dies after starting it and before any step joins it. camel-lra 4.17 sends the saga's time limit
 * only with a step's join, so such an LRA has none and the Narayana coordinator keeps it active for ever; the gateway's
 * saga service starts every LRA with the saga timeout, so the coordinator ends it at that limit.
 */
class LraTimeLimitIT {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void anLraNoStepEverJoinedEndsAtTheSagaTimeoutWithTheGatewaysServiceAndNeverWithCamel417s() throws Exception {
        NarayanaLraCoordinator coordinator = NarayanaLraCoordinator.shared();
        try (CamelContext context = new DefaultCamelContext()) {
            LRASagaService stock = service(new LRASagaService(), coordinator, context);
            ContextScopedSagaServices.Lra ours = new ContextScopedSagaServices.Lra();
            ours.setTimeLimit(Duration.ofSeconds(2));
            service(ours, coordinator, context);
            ServiceHelper.startService(stock, ours);
            try {
                // What a gateway killed right after the start leaves behind: an LRA no step joined.
                String limited = ours.newSaga(null).get(30, TimeUnit.SECONDS).getId();
                String unlimited = stock.newSaga(null).get(30, TimeUnit.SECONDS).getId();
                assertThat(status(coordinator, limited)).isEqualTo("Active");

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(status(coordinator, limited)).as("the gateway's LRA")
                                .isIn("Cancelled", "ended"));
                assertThat(status(coordinator, unlimited)).as("4.17: no time limit without a join").isEqualTo("Active");
                cancel(unlimited);
            } finally {
                ServiceHelper.stopAndShutdownService(ours);
                ServiceHelper.stopAndShutdownService(stock);
            }
        }
    }

    private static LRASagaService service(LRASagaService service, NarayanaLraCoordinator coordinator,
            CamelContext context) {
        service.setCoordinatorUrl(coordinator.baseUrl());
        service.setLocalParticipantUrl("http://127.0.0.1:9");
        service.setCamelContext(context);
        return service;
    }

    /** The LRA's status in the coordinator's list, or "ended" once the coordinator has forgotten it. */
    private String status(NarayanaLraCoordinator coordinator, String lraId) throws Exception {
        HttpResponse<String> all = http.send(HttpRequest.newBuilder(URI.create(coordinator.url()))
                .header("Accept", "application/json").timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(all.statusCode()).isEqualTo(200);
        for (JsonNode lra : json.readTree(all.body())) {
            if (lraId.equals(lra.path("lraId").asText())) {
                return lra.path("status").asText();
            }
        }
        return "ended";
    }

    private void cancel(String lraId) throws Exception {
        HttpResponse<String> cancelled = http.send(HttpRequest.newBuilder(URI.create(lraId + "/cancel"))
                .PUT(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cancelled.statusCode()).isEqualTo(200);
    }
}

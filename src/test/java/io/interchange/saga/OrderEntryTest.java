package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import io.interchange.InterchangeApplication;

/**
 * {@code POST /orders} over real HTTP, before any saga starts: a body over {@code interchange.orders.max-body-bytes}
 * (declared or chunked) is answered 413, one that is not a JSON object with an orderId 400 with the reason, and
 * neither reaches a participant. The saga routes run on the in-memory saga service with the participants mocked.
 */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "interchange.saga.enabled=true", "interchange.saga.service=in-memory", "camel.lra.enabled=false",
        "camel.main.routes-include-pattern=file:routes/order-saga.yaml", "interchange.orders.max-body-bytes=1024",
        "management.server.port=0",
        "INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "INTERCHANGE_RABBITMQ_HOST=127.0.0.1",
        "INTERCHANGE_SQS_REGION=us-east-1"})
@UseAdviceWith
@DirtiesContext
class OrderEntryTest {

    @Autowired
    CamelContext camelContext;

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void mockParticipants() throws Exception {
        if (!camelContext.isStarted()) {
            for (String route : List.of("saga-replies-from-kafka", "saga-replies-from-sqs", "saga-replies-from-rabbitmq")) {
                AdviceWith.adviceWith(camelContext, route, r -> r.replaceFromWith("direct:" + route));
            }
            for (String route : List.of("create-order", "reserve-inventory", "charge-payment", "ship-order",
                    "complete-order-saga")) {
                AdviceWith.adviceWith(camelContext, route, r -> r.weaveById(route + "-call").replace().to("mock:" + route));
            }
            camelContext.start();
        }
        camelContext.getEndpoint("mock:create-order", MockEndpoint.class).reset();
    }

    @Test
    void aBodyDeclaredLargerThanTheLimitIsAnswered413() throws Exception {
        String big = "{\"orderId\":\"o-big\",\"pad\":\"" + "x".repeat(2000) + "\"}";
        HttpResponse<String> answer = post(HttpRequest.BodyPublishers.ofString(big));
        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.body()).contains("interchange.orders.max-body-bytes").contains("declared");
        assertNoSagaStarted();
    }

    @Test
    void aChunkedBodyGoingPastTheLimitIsAnswered413() throws Exception {
        // A publisher of unknown length makes the client send the body chunked, without Content-Length.
        byte[] big = ("{\"orderId\":\"o-chunked\",\"pad\":\"" + "x".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> answer = post(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.body()).contains("more than 1024 bytes");
        assertNoSagaStarted();
    }

    @Test
    void aChunkedBodyWithinTheLimitIsAccepted() throws Exception {
        byte[] order = "{\"orderId\":\"o-small-chunked\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> answer = post(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(order)));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"orderId\":\"o-small-chunked\"").contains("\"status\":\"completed\"");
        assertThat(camelContext.getEndpoint("mock:create-order", MockEndpoint.class).getReceivedExchanges().get(0)
                .getProperty("order", String.class)).isEqualTo("{\"orderId\":\"o-small-chunked\"}");
    }

    @Test
    void bodiesThatAreNotAnOrderAreAnswered400WithTheReason() throws Exception {
        for (String[] bad : new String[][] {
                {"{not json", "the body is not JSON"},
                {"", "the body is empty"},
                {"[1,2]", "not an object"},
                {"{\"amount\":1}", "orderId is missing"},
                {"{\"orderId\":{\"a\":1}}", "orderId must be a string or an integer"},
                {"{\"orderId\":\"\"}", "1 to 256 characters"},
                {"{\"orderId\":\"a\\u0000b\"}", "control characters"}}) {
            HttpResponse<String> answer = post(HttpRequest.BodyPublishers.ofString(bad[0]));
            assertThat(answer.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(answer.body()).as(bad[0]).contains("\"status\":\"rejected\"").contains(bad[1])
                    .doesNotContain("Exception", "\tat ", "com.fasterxml");
        }
        assertNoSagaStarted();
    }

    private void assertNoSagaStarted() {
        assertThat(camelContext.getEndpoint("mock:create-order", MockEndpoint.class).getReceivedCounter()).isZero();
    }

    private HttpResponse<String> post(HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                .header("Content-Type", "application/json").POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }
}

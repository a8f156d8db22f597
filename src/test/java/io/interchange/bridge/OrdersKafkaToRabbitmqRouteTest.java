package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.rabbitmq.RabbitPublishException;
import io.interchange.cloudevents.InvalidCloudEventException;
import io.interchange.deadletter.DeadLetterHeaders;

/** The example Kafka -> RabbitMQ route with both brokers replaced by endpoints the test controls. */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "INTERCHANGE_RABBITMQ_HOST=127.0.0.1",
        "interchange.dead-letter.destinations.orders-kafka-to-rabbitmq=mock:dead-letter",
        // Only the route under test and its dead-letter policy: the other example routes need brokers
        // this test does not configure.
        "camel.main.routes-include-pattern=file:routes/orders-kafka-to-rabbitmq.yaml,file:routes/dead-letter.yaml"})
@UseAdviceWith
@DirtiesContext
class OrdersKafkaToRabbitmqRouteTest {

    private static final String ROUTE = "orders-kafka-to-rabbitmq";
    private static final byte[] JSON = "{\"orderId\":7}".getBytes(StandardCharsets.UTF_8);

    /** Source and sink as the route file declares them, read before the test replaces them. */
    private static String declaredSourceUri;
    private static String declaredSinkUri;

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    @EndpointInject("mock:rabbitmq")
    MockEndpoint rabbitmq;

    @EndpointInject("mock:dead-letter")
    MockEndpoint deadLetter;

    @BeforeEach
    void replaceBrokers() throws Exception {
        rabbitmq.reset();
        deadLetter.reset();
        if (camelContext.isStarted()) {
            return;
        }
        ModelCamelContext model = (ModelCamelContext) camelContext;
        declaredSourceUri = model.getRouteDefinition(ROUTE).getInput().getEndpointUri();
        declaredSinkUri = model.getProcessorDefinition("orders-to-rabbitmq", ToDefinition.class).getEndpointUri();
        AdviceWith.adviceWith(camelContext, ROUTE, route -> {
            route.replaceFromWith("direct:orders");
            route.weaveById("orders-to-rabbitmq").replace().to("mock:rabbitmq");
        });
        camelContext.start();
    }

    /** A binary-mode CloudEvent as the interchange-kafka source hands it to the route. */
    private static Map<String, Object> cloudEventHeaders(String id) {
        return Map.of("ce_specversion", "1.0", "ce_id", id, "ce_source", "/orders/order-service",
                "ce_type", "com.example.orders.order.created", "content-type", "application/json",
                KafkaConstants.KEY, "order-42");
    }

    private static Map<String, Object> attempt(Map<String, Object> headers, int attempt) {
        Map<String, Object> withAttempt = new java.util.HashMap<>(headers);
        withAttempt.put(DeadLetterHeaders.DELIVERY_ATTEMPT, attempt);
        return withAttempt;
    }

    @Test
    void publishesTheEventInTheAmqpBindingWithTheDataBytesAndKeyUnchanged() throws Exception {
        byte[] record = "{\"orderId\":42}".getBytes(StandardCharsets.UTF_8);
        rabbitmq.expectedBodiesReceived((Object) record);
        rabbitmq.expectedHeaderReceived(KafkaConstants.KEY, "order-42");
        rabbitmq.expectedHeaderReceived("cloudEvents:id", "e-42");
        rabbitmq.expectedHeaderReceived("cloudEvents:type", "com.example.orders.order.created");
        rabbitmq.expectedHeaderReceived("Content-Type", "application/json");

        producer.sendBodyAndHeaders("direct:orders", record, cloudEventHeaders("e-42"));

        rabbitmq.assertIsSatisfied();
        assertThat(rabbitmq.getReceivedExchanges().get(0).getMessage().getHeaders()).doesNotContainKeys("ce_id", "ce-id");
    }

    @Test
    void anInvalidEventIsDeadLetteredAtOnceWithItsViolationsAndTheRouteCompletes() throws Exception {
        deadLetter.expectedMessageCount(1);
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.EXCEPTION, InvalidCloudEventException.class.getName());
        deadLetter.expectedHeaderReceived("interchange-ce-violations",
                "specversion must be '1.0', was '0.3'; time 'yesterday' is not an RFC 3339 timestamp");
        rabbitmq.expectedMessageCount(0);
        Map<String, Object> headers = new java.util.HashMap<>(cloudEventHeaders("e-1"));
        headers.put("ce_specversion", "0.3");
        headers.put("ce_time", "yesterday");

        producer.sendBodyAndHeaders("direct:orders", "{}".getBytes(StandardCharsets.UTF_8), headers);

        deadLetter.assertIsSatisfied();
        rabbitmq.assertIsSatisfied();
        assertThat(deadLetter.getReceivedExchanges().get(0).getMessage().getHeader(Exchange.REDELIVERY_COUNTER)).isNull();
    }

    @Test
    void aFailedPublishFailsTheExchangeSoTheSourceReadsTheRecordAgain() {
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new IOException("publisher confirm nacked");
        });

        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:orders", "{}".getBytes(StandardCharsets.UTF_8),
                cloudEventHeaders("e-1")))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("publisher confirm nacked");
    }

    @Test
    void aBrokerOutageIsNeverDeadLetteredEvenAfterManyAttempts() {
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new RabbitPublishException("RabbitMQ channel closed before the confirm");
        });

        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:orders", JSON,
                attempt(cloudEventHeaders("e-2"), 50))).isInstanceOf(CamelExecutionException.class);
        assertThat(deadLetter.getReceivedCounter()).isZero();
    }

    @Test
    void anOversizedPayloadIsDeadLetteredAtOnceWithItsReasonAndTheOriginalMessage() throws Exception {
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new MessageTooLargeException("RabbitMQ exchange 'orders'", 2_000_000, 1_048_576);
        });
        deadLetter.expectedBodiesReceived((Object) JSON);
        deadLetter.expectedHeaderReceived(KafkaConstants.KEY, "order-7");
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.ROUTE, ROUTE);
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.ATTEMPTS, "1");
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.EXCEPTION, MessageTooLargeException.class.getName());

        Map<String, Object> headers = attempt(cloudEventHeaders("e-7"), 1);
        headers.put(KafkaConstants.KEY, "order-7");
        producer.sendBodyAndHeaders("direct:orders", JSON, headers);

        deadLetter.assertIsSatisfied();
        assertThat(deadLetter.getReceivedExchanges().get(0).getMessage().getHeader(DeadLetterHeaders.REASON,
                String.class)).contains("2000000 bytes exceeds the limit of 1048576");
    }

    @Test
    void anUnknownFailureIsRetriedByTheSourceUntilTheLastAttemptThenDeadLettered() throws Exception {
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new IllegalArgumentException("cannot convert the body");
        });

        for (int attempt = 1; attempt < 5; attempt++) {
            int a = attempt;
            assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:orders", JSON,
                    attempt(cloudEventHeaders("e-3"), a))).as("attempt " + a).isInstanceOf(CamelExecutionException.class);
        }
        deadLetter.expectedMessageCount(1);
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.ATTEMPTS, "5");
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.FIRST_FAILURE_TIME, "2026-11-27T12:00:00Z");
        Map<String, Object> lastAttempt = attempt(cloudEventHeaders("e-3"), 5);
        lastAttempt.put(DeadLetterHeaders.FIRST_FAILURE, java.time.Instant.parse("2026-11-27T12:00:00Z").toEpochMilli());
        producer.sendBodyAndHeaders("direct:orders", JSON, lastAttempt);
        deadLetter.assertIsSatisfied();
        assertThat(deadLetter.getReceivedExchanges().get(0).getMessage().getHeader(DeadLetterHeaders.TIME, String.class))
                .as("last failure: now").isGreaterThan("2026-11-27T12:00:00Z");
    }

    @Test
    void readsWithTheAtLeastOnceSourceAndPublishesWithConfirms() {
        assertThat(declaredSourceUri).isEqualTo("interchange-kafka:{{orders.kafka.topic}}?ingressHeaders=interchange-replayed&groupId={{orders.kafka.group-id}}");
        assertThat(declaredSinkUri).startsWith("interchange-rabbitmq:{{orders.rabbitmq.exchange}}");
        assertThat(camelContext.resolvePropertyPlaceholders(declaredSinkUri))
                .isEqualTo("interchange-rabbitmq:orders?maxBodyBytes=1048576&routingKey=order.created");
    }
}

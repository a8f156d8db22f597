package io.interchange.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.EndpointInject;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import io.interchange.InterchangeApplication;
import io.interchange.deadletter.DeadLetterHeaders;
import io.interchange.idempotency.SharedIdempotentRepository;

/** routes/orders-router.yaml with every broker replaced by a mock: each rule, the fan-out, unroutable. */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "INTERCHANGE_RABBITMQ_HOST=127.0.0.1",
        "INTERCHANGE_SQS_REGION=eu-west-1",
        "interchange.idempotency.store=memory",
        "interchange.dead-letter.destinations.orders-router=mock:dead-letter",
        "camel.main.routes-include-pattern=file:routes/orders-router.yaml,file:routes/dead-letter.yaml"})
@UseAdviceWith
@DirtiesContext
class OrdersRouterRouteTest {

    private static final String ROUTE = "orders-router";

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    @Autowired
    SharedIdempotentRepository idempotency;

    @EndpointInject("mock:kafka-created")
    MockEndpoint kafkaCreated;
    @EndpointInject("mock:rabbitmq-created")
    MockEndpoint rabbitmqCreated;
    @EndpointInject("mock:sqs-created")
    MockEndpoint sqsCreated;
    @EndpointInject("mock:payments")
    MockEndpoint payments;
    @EndpointInject("mock:cancelled")
    MockEndpoint cancelled;
    @EndpointInject("mock:shipments")
    MockEndpoint shipments;
    @EndpointInject("mock:eu")
    MockEndpoint eu;
    @EndpointInject("mock:priority")
    MockEndpoint priority;
    @EndpointInject("mock:dead-letter")
    MockEndpoint deadLetter;

    @BeforeEach
    void replaceBrokers() throws Exception {
        MockEndpoint.resetMocks(camelContext);
        idempotency.clear();
        if (camelContext.isStarted()) {
            return;
        }
        AdviceWith.adviceWith(camelContext, ROUTE, route -> {
            route.replaceFromWith("direct:orders");
            route.weaveById("orders-router-to-kafka").replace().to("mock:kafka-created");
            route.weaveById("orders-router-to-rabbitmq").replace().to("mock:rabbitmq-created");
            route.weaveById("orders-router-to-sqs").replace().to("mock:sqs-created");
            route.weaveById("orders-router-to-payments").replace().to("mock:payments");
            route.weaveById("orders-router-to-cancelled").replace().to("mock:cancelled");
            route.weaveById("orders-router-to-shipments").replace().to("mock:shipments");
            route.weaveById("orders-router-to-eu").replace().to("mock:eu");
            route.weaveById("orders-router-to-priority").replace().to("mock:priority");
        });
        camelContext.start();
    }

    /** A binary-mode CloudEvent in the Kafka binding, as the interchange-kafka source hands it over. */
    private static Map<String, Object> event(String id, String type) {
        Map<String, Object> headers = new HashMap<>();
        headers.put("ce_specversion", "1.0");
        headers.put("ce_id", id);
        headers.put("ce_source", "/orders/order-service");
        headers.put("ce_type", type);
        headers.put("content-type", "application/json");
        return headers;
    }

    private void send(Map<String, Object> headers, String json) {
        producer.sendBodyAndHeaders("direct:orders", json.getBytes(StandardCharsets.UTF_8), headers);
    }

    private MockEndpoint[] all() {
        return new MockEndpoint[] {kafkaCreated, rabbitmqCreated, sqsCreated, payments, cancelled, shipments, eu, priority,
            deadLetter};
    }

    private void expectOnly(MockEndpoint... receivers) {
        for (MockEndpoint mock : all()) {
            mock.expectedMessageCount(java.util.Arrays.asList(receivers).contains(mock) ? 1 : 0);
        }
    }

    @Test
    void anOrderCreatedEventFansOutToKafkaRabbitmqAndSqsEachInItsBinding() throws Exception {
        expectOnly(kafkaCreated, rabbitmqCreated, sqsCreated);
        kafkaCreated.expectedHeaderReceived("ce_id", "c-1");
        rabbitmqCreated.expectedHeaderReceived("cloudEvents:id", "c-1");
        sqsCreated.expectedHeaderReceived("ce_id", "c-1");
        kafkaCreated.expectedBodiesReceived("{\"orderId\":1}");

        send(event("c-1", "com.example.orders.order.created"), "{\"orderId\":1}");

        MockEndpoint.assertIsSatisfied(all());
    }

    @Test
    void whenOneSinkOfTheFanOutFailsTheRedeliveryGoesOnlyToThatSink() throws Exception {
        sqsCreated.whenExchangeReceived(1, exchange -> {
            throw new IOException("SQS unreachable");
        });
        Map<String, Object> created = event("c-2", "com.example.orders.order.created");

        assertThatThrownBy(() -> send(created, "{}")).isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("SQS unreachable");
        send(created, "{}"); // the source delivers it again
        send(created, "{}"); // and once more, as a duplicate

        assertThat(kafkaCreated.getReceivedCounter()).as("Kafka confirmed the first time: not sent again").isEqualTo(1);
        assertThat(rabbitmqCreated.getReceivedCounter()).as("RabbitMQ confirmed the first time").isEqualTo(1);
        assertThat(sqsCreated.getReceivedCounter()).as("SQS: the failed attempt and the retry").isEqualTo(2);
        assertThat(deadLetter.getReceivedCounter()).isZero();
    }

    @Test
    void aPaymentTypeIsRoutedByPrefix() throws Exception {
        expectOnly(payments);
        send(event("p-1", "com.example.orders.payment.captured"), "{}");
        MockEndpoint.assertIsSatisfied(all());
    }

    @Test
    void aCancelledTypeIsRoutedBySuffix() throws Exception {
        expectOnly(cancelled);
        send(event("x-1", "com.example.orders.order.cancelled"), "{}");
        MockEndpoint.assertIsSatisfied(all());
    }

    @Test
    void aShipmentTypeIsRoutedByRegexAndOnlyTheListedOnes() throws Exception {
        expectOnly(shipments);
        send(event("s-1", "com.example.orders.shipment.updated"), "{}");
        MockEndpoint.assertIsSatisfied(all());
        assertThat(shipments.getReceivedExchanges().get(0).getMessage().getHeader("ce_type"))
                .isEqualTo("com.example.orders.shipment.updated");
    }

    @Test
    void anExtensionAndTheSubjectRouteTogether() throws Exception {
        expectOnly(eu);
        Map<String, Object> headers = event("eu-1", "com.example.orders.order.updated");
        headers.put("ce_region", "eu");
        headers.put("ce_subject", "order-42");
        send(headers, "{}");
        MockEndpoint.assertIsSatisfied(all());
    }

    @Test
    void theDataIsMatchedWithJsonPath() throws Exception {
        expectOnly(priority);
        send(event("h-1", "com.example.orders.order.updated"), "{\"orderId\":5,\"priority\":\"high\"}");
        MockEndpoint.assertIsSatisfied(all());
    }

    @Test
    void testTrafficIsFilteredOut() throws Exception {
        expectOnly();
        Map<String, Object> headers = event("t-1", "com.example.orders.order.created");
        headers.put("ce_source", "/test/load-generator");
        send(headers, "{}");
        MockEndpoint.assertIsSatisfied(all());
    }

    @Test
    void anUnroutableEventIsDeadLetteredAtOnceWithItsReason() throws Exception {
        expectOnly(deadLetter);
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.EXCEPTION, UnroutableEventException.class.getName());
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.ROUTE, ROUTE);
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.REASON,
                "no rule of orders-router matches type 'com.example.orders.order.archived' from '/orders/order-service'");
        // JSON data without a priority, and non-JSON data, match no JSONPath rule.
        send(event("u-1", "com.example.orders.order.archived"), "{\"priority\":\"low\"}");
        MockEndpoint.assertIsSatisfied(all());
        assertThat(deadLetter.getReceivedExchanges().get(0).getMessage().getHeader("ce_id"))
                .as("the original event").isEqualTo("u-1");

        deadLetter.reset();
        deadLetter.expectedMessageCount(1);
        send(event("u-2", "com.example.orders.order.archived"), "not json");
        deadLetter.assertIsSatisfied();
    }

    @Test
    void aDuplicateOfARoutedEventIsDropped() throws Exception {
        expectOnly(payments);
        send(event("p-9", "com.example.orders.payment.captured"), "{}");
        send(event("p-9", "com.example.orders.payment.captured"), "{}");
        MockEndpoint.assertIsSatisfied(all());
    }
}

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
import org.apache.camel.test.spring.junit5.MockEndpointsAndSkip;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import io.interchange.InterchangeApplication;

/** The example Kafka -> RabbitMQ route with both brokers replaced by endpoints the test controls. */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "INTERCHANGE_RABBITMQ_HOST=127.0.0.1"})
@UseAdviceWith
@MockEndpointsAndSkip("interchange-rabbitmq:orders.dead-letter*")
@DirtiesContext
class OrdersKafkaToRabbitmqRouteTest {

    private static final String ROUTE = "orders-kafka-to-rabbitmq";

    /** Source and sink as the route file declares them, read before the test replaces them. */
    private static String declaredSourceUri;
    private static String declaredSinkUri;

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    @EndpointInject("mock:rabbitmq")
    MockEndpoint rabbitmq;

    @EndpointInject("mock:interchange-rabbitmq:orders.dead-letter")
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
    void anInvalidEventGoesToTheDeadLetterExchangeWithItsViolationsAndTheRouteCompletes() throws Exception {
        deadLetter.expectedMessageCount(1);
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
    void readsWithTheAtLeastOnceSourceAndPublishesWithConfirms() {
        assertThat(declaredSourceUri).isEqualTo("interchange-kafka:{{orders.kafka.topic}}?groupId={{orders.kafka.group-id}}");
        assertThat(declaredSinkUri).startsWith("interchange-rabbitmq:{{orders.rabbitmq.exchange}}");
        assertThat(camelContext.resolvePropertyPlaceholders(declaredSinkUri))
                .isEqualTo("interchange-rabbitmq:orders?routingKey=order.created");
    }
}

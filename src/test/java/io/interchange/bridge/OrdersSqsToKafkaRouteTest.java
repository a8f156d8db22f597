package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.EndpointInject;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
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
import io.interchange.bridge.sqs.SqsHeaders;
import io.interchange.cloudevents.TestEvents;

/** The example SQS -> Kafka route with both brokers replaced by endpoints the test controls. */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "INTERCHANGE_SQS_REGION=us-east-1",
        "camel.main.routes-include-pattern=file:routes/orders-sqs-to-kafka.yaml,file:routes/dead-letter.yaml"})
@UseAdviceWith
@DirtiesContext
class OrdersSqsToKafkaRouteTest {

    private static final String ROUTE = "orders-sqs-to-kafka";

    private static String declaredSourceUri;
    private static String declaredSinkUri;

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    @EndpointInject("mock:kafka")
    MockEndpoint kafka;

    @BeforeEach
    void replaceBrokers() throws Exception {
        kafka.reset();
        if (camelContext.isStarted()) {
            return;
        }
        ModelCamelContext model = (ModelCamelContext) camelContext;
        declaredSourceUri = model.getRouteDefinition(ROUTE).getInput().getEndpointUri();
        declaredSinkUri = model.getProcessorDefinition("orders-to-kafka", ToDefinition.class).getEndpointUri();
        AdviceWith.adviceWith(camelContext, ROUTE, route -> {
            route.replaceFromWith("direct:orders-sqs");
            route.weaveById("orders-to-kafka").replace().to("mock:kafka");
        });
        camelContext.start();
    }

    @Test
    void writesTheEventInTheKafkaBindingKeyedByMessageGroupWithoutTheReceiveBookkeeping() throws Exception {
        byte[] body = "{\"orderId\":42}".getBytes(StandardCharsets.UTF_8);
        kafka.expectedBodiesReceived((Object) body);
        kafka.expectedHeaderReceived(SqsHeaders.KAFKA_KEY, "order-42");
        kafka.expectedHeaderReceived("ce_id", "e-1");
        kafka.expectedHeaderReceived("content-type", "application/json");

        Map<String, Object> headers = new HashMap<>(TestEvents.kafkaHeaders("e-1", "application/json"));
        headers.putAll(Map.of(SqsHeaders.KAFKA_KEY, "order-42", SqsHeaders.MESSAGE_ID, "m-1",
                SqsHeaders.APPROXIMATE_RECEIVE_COUNT, 1, SqsHeaders.QUEUE, "q.fifo"));
        producer.sendBodyAndHeaders("direct:orders-sqs", body, headers);

        kafka.assertIsSatisfied();
        assertThat(kafka.getReceivedExchanges().get(0).getMessage().getHeaders().keySet())
                .noneMatch(name -> name.startsWith("sqs.") || name.startsWith("ce-"));
    }

    @Test
    void aStructuredEventGoesOnInBinaryModeWithItsDataUnchanged() throws Exception {
        kafka.expectedBodiesReceived((Object) "{\"orderId\":43}".getBytes(StandardCharsets.UTF_8));
        kafka.expectedHeaderReceived("ce_id", "e-2");

        producer.sendBodyAndHeaders("direct:orders-sqs", ("{\"specversion\":\"1.0\",\"id\":\"e-2\",\"source\":\"/o\","
                + "\"type\":\"com.example.orders.order.created\",\"datacontenttype\":\"application/json\","
                + "\"data\":{\"orderId\":43}}").getBytes(StandardCharsets.UTF_8),
                Map.of("content-type", "application/cloudevents+json; charset=UTF-8", SqsHeaders.KAFKA_KEY, "order-43"));

        kafka.assertIsSatisfied();
    }

    @Test
    void aFailedSendFailsTheExchangeSoTheSourceDoesNotDeleteTheMessage() {
        kafka.whenAnyExchangeReceived(exchange -> {
            throw new org.apache.kafka.common.errors.TimeoutException("not acknowledged");
        });

        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:orders-sqs", new byte[] {'1'},
                TestEvents.kafkaHeaders("e-3", "text/plain")))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("not acknowledged");
    }

    @Test
    void readsWithTheInterchangeSourceAndProducesAtLeastOnceAsBytes() {
        assertThat(declaredSourceUri).isEqualTo("interchange-sqs:{{orders.sqs.inbound-queue}}?concurrentConsumers=4");
        assertThat(camelContext.resolvePropertyPlaceholders(declaredSourceUri))
                .isEqualTo("interchange-sqs:orders-inbound.fifo?concurrentConsumers=4");
        assertThat(camelContext.resolvePropertyPlaceholders(declaredSinkUri))
                .startsWith("kafka:orders?")
                .contains("requestRequiredAcks=all", "enableIdempotence=true",
                        "valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer",
                        "keySerializer=org.apache.kafka.common.serialization.StringSerializer");
    }
}

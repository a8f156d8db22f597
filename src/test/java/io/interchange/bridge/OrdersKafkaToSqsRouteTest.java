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
import io.interchange.bridge.sqs.SqsSendException;
import io.interchange.cloudevents.TestEvents;

/** The example Kafka -> SQS route with both brokers replaced by endpoints the test controls. */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "INTERCHANGE_SQS_REGION=us-east-1",
        "camel.main.routes-include-pattern=file:routes/orders-kafka-to-sqs.yaml,file:routes/dead-letter.yaml"})
@UseAdviceWith
@DirtiesContext
class OrdersKafkaToSqsRouteTest {

    private static final String ROUTE = "orders-kafka-to-sqs";

    private static String declaredSourceUri;
    private static String declaredSinkUri;

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    @EndpointInject("mock:sqs")
    MockEndpoint sqs;

    @BeforeEach
    void replaceBrokers() throws Exception {
        sqs.reset();
        if (camelContext.isStarted()) {
            return;
        }
        ModelCamelContext model = (ModelCamelContext) camelContext;
        declaredSourceUri = model.getRouteDefinition(ROUTE).getInput().getEndpointUri();
        declaredSinkUri = model.getProcessorDefinition("orders-to-sqs", ToDefinition.class).getEndpointUri();
        AdviceWith.adviceWith(camelContext, ROUTE, route -> {
            route.replaceFromWith("direct:orders-kafka");
            route.weaveById("orders-to-sqs").replace().to("mock:sqs");
        });
        camelContext.start();
    }

    @Test
    void writesTextDataAsTheBodyWithTheAttributesAsSqsAttributesAndKeepsTheKey() throws Exception {
        byte[] data = "{\"orderId\":7}".getBytes(StandardCharsets.UTF_8);
        sqs.expectedBodiesReceived((Object) data);
        sqs.expectedHeaderReceived(KafkaConstants.KEY, "order-7");
        sqs.expectedHeaderReceived("ce_id", "e-7");

        Map<String, Object> headers = new HashMap<>(TestEvents.kafkaHeaders("e-7", "application/json"));
        headers.put(KafkaConstants.KEY, "order-7");
        producer.sendBodyAndHeaders("direct:orders-kafka", data, headers);

        sqs.assertIsSatisfied();
    }

    @Test
    void binaryDataGoesStructuredAsDataBase64() throws Exception {
        sqs.expectedMessageCount(1);
        sqs.expectedHeaderReceived("content-type", "application/cloudevents+json; charset=UTF-8");

        producer.sendBodyAndHeaders("direct:orders-kafka", new byte[] {0, (byte) 0xff, 1},
                TestEvents.kafkaHeaders("e-8", "application/octet-stream"));

        sqs.assertIsSatisfied();
        String body = sqs.getReceivedExchanges().get(0).getMessage().getBody(String.class);
        assertThat(body).contains("\"data_base64\":\"AP8B\"", "\"id\":\"e-8\"");
    }

    @Test
    void aFailedSendFailsTheExchangeSoTheSourceReadsTheRecordAgain() {
        sqs.whenAnyExchangeReceived(exchange -> {
            throw new SqsSendException("SQS unavailable", null);
        });

        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:orders-kafka", new byte[] {'1'},
                TestEvents.kafkaHeaders("e-9", "text/plain")))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("SQS unavailable");
    }

    @Test
    void readsWithTheAtLeastOnceSourceAndSendsToTheFifoQueue() {
        assertThat(camelContext.resolvePropertyPlaceholders(declaredSourceUri))
                .isEqualTo("interchange-kafka:orders?groupId=interchange-orders-to-sqs");
        assertThat(camelContext.resolvePropertyPlaceholders(declaredSinkUri))
                .isEqualTo("interchange-sqs:orders-outbound.fifo?messageGroupId=orders-unkeyed");
    }
}

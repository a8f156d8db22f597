package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.apache.camel.CamelContext;
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
import io.interchange.cloudevents.TestEvents;

/** The example RabbitMQ -> Kafka route with both brokers replaced by endpoints the test controls. */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "INTERCHANGE_RABBITMQ_HOST=127.0.0.1",
        "camel.main.routes-include-pattern=file:routes/shipments-rabbitmq-to-kafka.yaml,file:routes/dead-letter.yaml"})
@UseAdviceWith
@DirtiesContext
class ShipmentsRabbitmqToKafkaRouteTest {

    private static final String ROUTE = "shipments-rabbitmq-to-kafka";
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
        declaredSinkUri = camelContext.resolvePropertyPlaceholders(((ModelCamelContext) camelContext)
                .getProcessorDefinition("shipments-to-kafka", ToDefinition.class).getEndpointUri());
        AdviceWith.adviceWith(camelContext, ROUTE, route -> {
            route.replaceFromWith("direct:shipments");
            route.weaveById("shipments-to-kafka").replace().to("mock:kafka");
        });
        camelContext.start();
    }

    @Test
    void carriesTheEventFromTheAmqpToTheKafkaBindingWithItsKey() throws Exception {
        kafka.expectedBodiesReceived((Object) new byte[] {1, 2, 3});
        kafka.expectedHeaderReceived(BridgeHeaders.KEY, "shipment-7");
        kafka.expectedHeaderReceived("ce_id", "s-7");
        kafka.expectedHeaderReceived("ce_type", "com.example.shipments.shipment.requested");
        kafka.expectedHeaderReceived("content-type", "application/octet-stream");

        Map<String, Object> headers = new HashMap<>(TestEvents.amqpHeaders("s-7", "application/octet-stream"));
        headers.put(BridgeHeaders.KEY, "shipment-7");
        producer.sendBodyAndHeaders("direct:shipments", new byte[] {1, 2, 3}, headers);

        kafka.assertIsSatisfied();
        assertThat(kafka.getReceivedExchanges().get(0).getMessage().getHeaders().keySet())
                .noneMatch(name -> name.startsWith("cloudEvents"));
    }

    @Test
    void producesWithAcksAllIdempotentAndBytesUnchanged() {
        assertThat(declaredSinkUri).startsWith("kafka:shipments?")
                .contains("requestRequiredAcks=all", "enableIdempotence=true", "ByteArraySerializer");
    }
}

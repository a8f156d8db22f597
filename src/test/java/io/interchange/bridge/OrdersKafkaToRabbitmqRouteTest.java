package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

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
import io.interchange.bridge.rabbitmq.RabbitPublishException;
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

    @Test
    void publishesTheRecordBytesAndKeyUnchanged() throws Exception {
        byte[] record = "{\"orderId\":42}".getBytes(StandardCharsets.UTF_8);
        rabbitmq.expectedBodiesReceived((Object) record);
        rabbitmq.expectedHeaderReceived(KafkaConstants.KEY, "order-42");

        producer.sendBodyAndHeader("direct:orders", record, KafkaConstants.KEY, "order-42");

        rabbitmq.assertIsSatisfied();
    }

    @Test
    void aFailedPublishFailsTheExchangeSoTheSourceReadsTheRecordAgain() {
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new IOException("publisher confirm nacked");
        });

        assertThatThrownBy(() -> producer.sendBody("direct:orders", new byte[] {1}))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("publisher confirm nacked");
    }

    @Test
    void aBrokerOutageIsNeverDeadLetteredEvenAfterManyAttempts() {
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new RabbitPublishException("RabbitMQ channel closed before the confirm");
        });

        assertThatThrownBy(() -> producer.sendBodyAndHeader("direct:orders", new byte[] {1},
                DeadLetterHeaders.DELIVERY_ATTEMPT, 50)).isInstanceOf(CamelExecutionException.class);
        assertThat(deadLetter.getReceivedCounter()).isZero();
    }

    @Test
    void anOversizedPayloadIsDeadLetteredAtOnceWithItsReasonAndTheOriginalMessage() throws Exception {
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new MessageTooLargeException("RabbitMQ exchange 'orders'", 2_000_000, 1_048_576);
        });
        deadLetter.expectedBodiesReceived((Object) new byte[] {7});
        deadLetter.expectedHeaderReceived(KafkaConstants.KEY, "order-7");
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.ROUTE, ROUTE);
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.ATTEMPTS, "1");
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.EXCEPTION, MessageTooLargeException.class.getName());

        producer.sendBodyAndHeaders("direct:orders", new byte[] {7},
                java.util.Map.of(KafkaConstants.KEY, "order-7", DeadLetterHeaders.DELIVERY_ATTEMPT, 1));

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
            assertThatThrownBy(() -> producer.sendBodyAndHeader("direct:orders", new byte[] {1},
                    DeadLetterHeaders.DELIVERY_ATTEMPT, a)).as("attempt " + a).isInstanceOf(CamelExecutionException.class);
        }
        deadLetter.expectedMessageCount(1);
        deadLetter.expectedHeaderReceived(DeadLetterHeaders.ATTEMPTS, "5");
        producer.sendBodyAndHeader("direct:orders", new byte[] {1}, DeadLetterHeaders.DELIVERY_ATTEMPT, 5);
        deadLetter.assertIsSatisfied();
    }

    @Test
    void readsWithTheAtLeastOnceSourceAndPublishesWithConfirms() {
        assertThat(declaredSourceUri).isEqualTo("interchange-kafka:{{orders.kafka.topic}}?groupId={{orders.kafka.group-id}}");
        assertThat(declaredSinkUri).startsWith("interchange-rabbitmq:{{orders.rabbitmq.exchange}}");
        assertThat(camelContext.resolvePropertyPlaceholders(declaredSinkUri))
                .isEqualTo("interchange-rabbitmq:orders?maxBodyBytes=1048576&routingKey=order.created");
    }
}

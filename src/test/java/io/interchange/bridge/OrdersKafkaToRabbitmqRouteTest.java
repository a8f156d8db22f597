package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.EndpointInject;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
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

/** The example Kafka -> RabbitMQ route with both brokers replaced by endpoints the test controls. */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class)
@UseAdviceWith
@DirtiesContext
class OrdersKafkaToRabbitmqRouteTest {

    private static final String ROUTE = "orders-kafka-to-rabbitmq";

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    @EndpointInject("mock:rabbitmq")
    MockEndpoint rabbitmq;

    /** Source and sink as the route file declares them, read before the test replaces them. */
    private static String declaredSourceUri;
    private static String declaredSinkUri;

    @BeforeEach
    void replaceBrokers() throws Exception {
        rabbitmq.reset();
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
    void publishesTheRecordBytesUnchangedThenCommitsTheOffset() throws Exception {
        byte[] record = "{\"orderId\":42}".getBytes(StandardCharsets.UTF_8);
        AtomicInteger publishedBeforeCommit = new AtomicInteger(-1);
        KafkaManualCommit commit = () -> publishedBeforeCommit.set(rabbitmq.getReceivedCounter());
        rabbitmq.expectedBodiesReceived((Object) record);

        producer.sendBodyAndHeader("direct:orders", record, KafkaConstants.MANUAL_COMMIT, commit);

        rabbitmq.assertIsSatisfied();
        assertThat(publishedBeforeCommit).as("offset committed after RabbitMQ had the message").hasValue(1);
    }

    @Test
    void aFailedPublishLeavesTheOffsetUncommitted() {
        AtomicInteger commits = new AtomicInteger();
        rabbitmq.whenAnyExchangeReceived(exchange -> {
            throw new IOException("publisher confirm nacked");
        });

        assertThatThrownBy(() -> producer.sendBodyAndHeader("direct:orders", new byte[] {1},
                KafkaConstants.MANUAL_COMMIT, (KafkaManualCommit) commits::incrementAndGet))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("publisher confirm nacked");
        assertThat(commits).hasValue(0);
    }

    @Test
    void aRecordWithoutManualCommitFailsInsteadOfBeingAcknowledgedSilently() {
        assertThatThrownBy(() -> producer.sendBody("direct:orders", new byte[] {1}))
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .rootCause().hasMessageContaining("allowManualCommit=true");
    }

    @Test
    void theSinkWaitsForPublisherConfirmsAndTheSourceNeverAutoCommits() {
        assertThat(declaredSourceUri).startsWith("kafka:").contains("autoCommitEnable=false", "allowManualCommit=true", "breakOnFirstError=true",
                "autoOffsetReset=earliest", "ByteArrayDeserializer");
        assertThat(declaredSinkUri).startsWith("spring-rabbitmq:").contains("confirm=enabled");
    }
}

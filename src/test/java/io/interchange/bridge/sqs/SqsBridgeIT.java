package io.interchange.bridge.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheckAware;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.MessageTooLargeException;
import io.interchange.bridge.SourceHealth;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** interchange-sqs source and sink against ElasticMQ, with test routes. */
// Its routes stop with the class: a cached context would keep consuming the shared topics.
@DirtiesContext
@SpringBootTest(classes = InterchangeApplication.class,
        properties = "interchange.routes-dir=src/test/resources/routes-heartbeat")
class SqsBridgeIT {

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        GatewayProperties.sqs(Brokers.sqs()).forEach((k, v) -> registry.add(k, () -> v));
    }

    @Autowired
    CamelContext camelContext;

    @Autowired
    ProducerTemplate producer;

    private final SqsClient sqs = Brokers.sqs().sqsClient();

    @AfterEach
    void close() {
        sqs.close();
    }

    @Test
    void theRouteSeesOnlyAdmittedAttributesAndTheMessageIsDeletedAfterIt() throws Exception {
        String url = SqsQueues.create(sqs, "probe", false);
        MockEndpoint seen = camelContext.getEndpoint("mock:seen", MockEndpoint.class);
        seen.expectedMessageCount(1);
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("interchange-sqs:probe?waitTimeSeconds=1&ingressHeaders=blob").routeId("sqs-probe").to("mock:seen");
            }
        });

        Map<String, MessageAttributeValue> attributes = new java.util.HashMap<>();
        for (String name : List.of("CamelExecCommandExecutable", "cAmElFileName", "CAMELHTTPURI", "org.apache.camel.Foo",
                "ce_id", "x-other")) {
            attributes.put(name, MessageAttributeValue.builder().dataType("String").stringValue("/bin/sh").build());
        }
        attributes.put("ce_sequence", MessageAttributeValue.builder().dataType("Number").stringValue("42").build());
        attributes.put("blob", MessageAttributeValue.builder().dataType("Binary")
                .binaryValue(SdkBytes.fromByteArray(new byte[] {0, 1, 2})).build());
        sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"orderId\":1}").messageAttributes(attributes));

        seen.assertIsSatisfied(30_000);
        Exchange exchange = seen.getReceivedExchanges().get(0);
        Map<String, Object> headers = exchange.getMessage().getHeaders();
        assertThat(headers.keySet()).noneMatch(n -> n.toLowerCase().startsWith("camel")
                || n.toLowerCase().startsWith("org.apache.camel"));
        // x-other is not admitted; a Number attribute arrives as a number, a declared Binary one as bytes
        assertThat(headers).containsEntry("ce_id", "/bin/sh").doesNotContainKey("x-other")
                .containsEntry("ce_sequence", new java.math.BigDecimal("42"))
                .containsEntry(SqsHeaders.APPROXIMATE_RECEIVE_COUNT, 1)
                .containsKeys(SqsHeaders.MESSAGE_ID, SqsHeaders.SENT_TIMESTAMP);
        assertThat((byte[]) headers.get("blob")).containsExactly(0, 1, 2);
        assertThat(exchange.getMessage().getBody(byte[].class))
                .isEqualTo("{\"orderId\":1}".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> SqsQueues.size(sqs, url) == 0);
        camelContext.getRouteController().stopRoute("sqs-probe");
    }

    @Test
    void anEmptyQueueMakesTheSourceReadyWithoutWaitingForALongPoll() throws Exception {
        SqsQueues.create(sqs, "idle", false);
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("interchange-sqs:idle?waitTimeSeconds=20").routeId("sqs-idle").to("mock:idle");
            }
        });
        SourceHealth health = (SourceHealth) ((HealthCheckAware) camelContext.getRoute("sqs-idle").getConsumer())
                .getHealthCheck();
        await().atMost(Duration.ofSeconds(5)).until(() -> health.state() == SourceHealth.State.RUNNING);
        camelContext.getRouteController().stopRoute("sqs-idle");
    }

    @Test
    void aFailedMessageIsNotDeletedButDeliveredAgainAndItsGroupWaitsForIt() throws Exception {
        String url = SqsQueues.create(sqs, "retry.fifo", true);
        MockEndpoint done = camelContext.getEndpoint("mock:retried", MockEndpoint.class);
        done.expectedBodiesReceived("m1", "m2", "m3");
        AtomicInteger failures = new AtomicInteger();
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("interchange-sqs:retry.fifo?waitTimeSeconds=1&retryBackoffSeconds=1").routeId("sqs-retry")
                        .convertBodyTo(String.class)
                        .process(exchange -> {
                            if (exchange.getMessage().getBody(String.class).equals("m1")
                                    && exchange.getMessage().getHeader(SqsHeaders.APPROXIMATE_RECEIVE_COUNT, Integer.class) < 3) {
                                failures.incrementAndGet();
                                throw new IllegalStateException("downstream unavailable");
                            }
                        })
                        .to("mock:retried");
            }
        });

        sqs.sendMessageBatch(r -> r.queueUrl(url).entries(
                SendMessageBatchRequestEntry.builder().id("1").messageBody("m1").messageGroupId("g").build(),
                SendMessageBatchRequestEntry.builder().id("2").messageBody("m2").messageGroupId("g").build(),
                SendMessageBatchRequestEntry.builder().id("3").messageBody("m3").messageGroupId("g").build()));

        done.assertIsSatisfied(60_000);
        assertThat(failures).hasValue(2);
        assertThat(done.getReceivedExchanges().get(0).getMessage().getHeader(SqsHeaders.APPROXIMATE_RECEIVE_COUNT))
                .isEqualTo(3);
        assertThat(done.getReceivedExchanges().get(0).getMessage().getHeader(SqsHeaders.KAFKA_KEY)).isEqualTo("g");
        await().atMost(Duration.ofSeconds(10)).until(() -> SqsQueues.size(sqs, url) == 0);
        camelContext.getRouteController().stopRoute("sqs-retry");
    }

    @Test
    void theSinkSendsAllowListedHeadersAsAttributesAndRefusesAnOversizeMessageWithoutCallingSqs() throws Exception {
        String url = SqsQueues.create(sqs, "sink-probe", false);
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:sink-probe").routeId("sqs-sink-probe").to("interchange-sqs:sink-probe");
            }
        });

        producer.sendBodyAndHeaders("direct:sink-probe", "{\"orderId\":2}".getBytes(StandardCharsets.UTF_8),
                Map.of("ce_id", "e-2", "cloudEvents:type", "order.created", "cAmElFileName", "/etc/passwd",
                        "x-private", "no"));
        List<Message> received = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5)
                .messageAttributeNames("All")).messages();
        assertThat(received).hasSize(1);
        assertThat(received.get(0).body()).isEqualTo("{\"orderId\":2}");
        assertThat(received.get(0).messageAttributes()).containsOnlyKeys("ce_id", "cloudEvents_type");
        sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(received.get(0).receiptHandle()));

        byte[] tooLarge = new byte[256 * 1024 - 5];
        java.util.Arrays.fill(tooLarge, (byte) 'x');
        // The body alone fits; with the attribute (ce_id + String + value) it is over 256 KiB.
        assertThatThrownBy(() -> producer.sendBodyAndHeader("direct:sink-probe", tooLarge, "ce_id", "e-3"))
                .isInstanceOf(CamelExecutionException.class)
                .hasCauseInstanceOf(MessageTooLargeException.class);
        assertThat(SqsQueues.size(sqs, url)).isZero();
    }
}

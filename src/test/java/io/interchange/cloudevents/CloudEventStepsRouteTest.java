package io.interchange.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wrap, read and write steps in routes, with an invalid-event dead-letter policy, without brokers. */
class CloudEventStepsRouteTest {

    private CamelContext camel;
    private ProducerTemplate producer;
    private final AtomicInteger sinkAttempts = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.addComponent("interchange-cloudevents", new CloudEventsComponent(CloudEventLimits.DEFAULT));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(defaultErrorHandler().maximumRedeliveries(3).redeliveryDelay(0));
                onException(InvalidCloudEventException.class).handled(true).maximumRedeliveries(0)
                        .setHeader(CloudEventAttributes.VIOLATIONS_HEADER, simple("${exception.violationSummary}"))
                        .to("mock:dead-letter");
                from("direct:kafka-to-amqp").routeId("kafka-to-amqp")
                        .to("interchange-cloudevents:read")
                        .to("mock:after-read")
                        .to("interchange-cloudevents:write?binding=amqp")
                        .process(e -> sinkAttempts.incrementAndGet())
                        .to("mock:amqp");
                from("direct:changed-between").routeId("changed-between")
                        .to("interchange-cloudevents:read")
                        .choice()
                            .when(header("change").isEqualTo("time")).setHeader("ce-time", constant("yesterday"))
                            .when(header("change").isEqualTo("extension")).setHeader("ce-Bad_Name", constant("x"))
                            .when(header("change").isEqualTo("removed")).removeHeader("ce-source")
                            .when(header("change").isEqualTo("body")).setBody(constant("not json"))
                        .end()
                        .to("interchange-cloudevents:write?binding=amqp")
                        .to("mock:changed");
                from("direct:kafka-to-sqs").routeId("kafka-to-sqs")
                        .to("interchange-cloudevents:read")
                        .to("interchange-cloudevents:write?binding=sqs&mode=binary")
                        .to("mock:sqs");
                from("direct:structured-to-kafka").routeId("structured-to-kafka")
                        .to("interchange-cloudevents:read")
                        .to("interchange-cloudevents:write?binding=kafka&mode=binary")
                        .to("mock:kafka");
                from("direct:wrap").routeId("wrap")
                        .to("interchange-cloudevents:wrap?source=/orders/order-service&type=com.example.orders.order.created"
                                + "&subject=jsonpath:$.orderId&partitionkey=${header.customer}&idHeader=upstreamId"
                                + "&dataschema=https://example.com/schemas/order.json")
                        .to("interchange-cloudevents:write?binding=kafka&mode=structured")
                        .to("mock:wrapped");
            }
        });
        camel.start();
        producer = camel.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    private static final String PRODUCER_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String HOP_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01";

    @Test
    void theFirstHopSetsTheTracingExtensionFromTheTraceContextAndLaterHopsKeepIt() throws Exception {
        MockEndpoint amqp = camel.getEndpoint("mock:amqp", MockEndpoint.class);
        Map<String, Object> headers = MalformedEvents.validKafkaHeaders("t-1");
        headers.put("traceparent", PRODUCER_TRACE);
        producer.sendBodyAndHeaders("direct:kafka-to-amqp", MalformedEvents.validData("t-1"), headers);
        assertThat(amqp.getReceivedExchanges().get(0).getMessage().getHeaders())
                .containsEntry("cloudEvents:traceparent", PRODUCER_TRACE).containsEntry("traceparent", PRODUCER_TRACE);

        // The next hop: the event carries the extension; the protocol header carries that hop's context.
        Map<String, Object> next = MalformedEvents.validKafkaHeaders("t-2");
        next.put("ce_traceparent", PRODUCER_TRACE);
        next.put("traceparent", HOP_TRACE);
        producer.sendBodyAndHeaders("direct:kafka-to-amqp", MalformedEvents.validData("t-2"), next);
        assertThat(amqp.getReceivedExchanges().get(1).getMessage().getHeaders())
                .containsEntry("cloudEvents:traceparent", PRODUCER_TRACE).containsEntry("traceparent", HOP_TRACE);
    }

    @Test
    void aTraceContextHeaderThatIsNotW3CIsNotMadeAnExtension() throws Exception {
        MockEndpoint amqp = camel.getEndpoint("mock:amqp", MockEndpoint.class);
        Map<String, Object> headers = MalformedEvents.validKafkaHeaders("t-3");
        headers.put("traceparent", "00-not-a-trace-01");
        producer.sendBodyAndHeaders("direct:kafka-to-amqp", MalformedEvents.validData("t-3"), headers);
        assertThat(amqp.getReceivedExchanges()).hasSize(1);
        assertThat(amqp.getReceivedExchanges().get(0).getMessage().getHeaders()).doesNotContainKey("cloudEvents:traceparent");
    }

    @Test
    void onSqsTheTraceContextTakesItsAttributesBeforeTheEventDoes() throws Exception {
        MockEndpoint sqs = camel.getEndpoint("mock:sqs", MockEndpoint.class);
        Map<String, Object> nine = MalformedEvents.validKafkaHeaders("t-4");
        nine.put("ce_subject", "order-1");
        nine.put("ce_dataschema", "https://example.com/schemas/order.json");
        nine.put("ce_partitionkey", "customer-7");
        producer.sendBodyAndHeaders("direct:kafka-to-sqs", MalformedEvents.validData("t-4"), nine);
        assertThat(sqs.getReceivedExchanges().get(0).getMessage().getHeader("content-type"))
                .as("nine attributes fit binary mode").isEqualTo("application/json");

        Map<String, Object> traced = new java.util.HashMap<>(nine);
        traced.put("ce_id", "t-5");
        traced.put("traceparent", PRODUCER_TRACE);
        producer.sendBodyAndHeaders("direct:kafka-to-sqs", MalformedEvents.validData("t-5"), traced);
        Map<String, Object> out = sqs.getReceivedExchanges().get(1).getMessage().getHeaders();
        assertThat(out).as("ten of the event (with the extension) and the trace context: structured")
                .containsEntry("content-type", MediaTypes.STRUCTURED_JSON).containsEntry("traceparent", PRODUCER_TRACE);
        assertThat(new String(sqs.getReceivedExchanges().get(1).getMessage().getBody(byte[].class), StandardCharsets.UTF_8))
                .contains("\"traceparent\":\"" + PRODUCER_TRACE + "\"");
    }

    @Test
    void aWriteValidatesAgainWhatARouteChangedAfterTheRead() throws Exception {
        MockEndpoint changed = camel.getEndpoint("mock:changed", MockEndpoint.class);
        MockEndpoint deadLetter = camel.getEndpoint("mock:dead-letter", MockEndpoint.class);
        for (String change : List.of("time", "extension", "removed", "body")) {
            Map<String, Object> headers = MalformedEvents.validKafkaHeaders("c-" + change);
            headers.put("change", change);
            producer.sendBodyAndHeaders("direct:changed-between", MalformedEvents.validData("c-" + change), headers);
        }
        // Unchanged, the event the read step validated is written as it is.
        producer.sendBodyAndHeaders("direct:changed-between", MalformedEvents.validData("c-none"),
                MalformedEvents.validKafkaHeaders("c-none"));

        assertThat(deadLetter.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader("change"))
                .containsExactly("time", "extension", "removed", "body");
        assertThat(deadLetter.getReceivedExchanges()).extracting(e -> e.getMessage()
                .getHeader(CloudEventAttributes.VIOLATIONS_HEADER, String.class))
                .allSatisfy(violations -> assertThat(violations).isNotBlank());
        assertThat(changed.getReceivedExchanges()).hasSize(1);
        assertThat(changed.getReceivedExchanges().get(0).getMessage().getHeaders()).containsEntry("cloudEvents:id", "c-none");
    }

    @Test
    void readExposesNeutralHeadersAndWriteConvertsThemToTheAmqpBinding() throws Exception {
        MockEndpoint afterRead = camel.getEndpoint("mock:after-read", MockEndpoint.class);
        MockEndpoint amqp = camel.getEndpoint("mock:amqp", MockEndpoint.class);
        Map<String, Object> headers = MalformedEvents.validKafkaHeaders("e-1");
        headers.put("ce_partitionkey", "customer-7");
        headers.put("ce-id", "spoofed neutral header from the wire");
        producer.sendBodyAndHeaders("direct:kafka-to-amqp", MalformedEvents.validData("e-1"), headers);

        Exchange read = afterRead.getReceivedExchanges().get(0);
        assertThat(read.getMessage().getHeaders()).containsEntry("ce-id", "e-1").containsEntry("ce-specversion", "1.0")
                .containsEntry("ce-datacontenttype", "application/json").containsEntry("ce-partitionkey", "customer-7")
                .doesNotContainKeys("ce_id", "content-type");
        Exchange out = amqp.getReceivedExchanges().get(0);
        assertThat(out.getMessage().getHeaders()).containsEntry("cloudEvents:id", "e-1")
                .containsEntry("cloudEvents:partitionkey", "customer-7").containsEntry(Exchange.CONTENT_TYPE, "application/json")
                .doesNotContainKeys("ce-id", "ce_id", "ce-source");
        assertThat(out.getMessage().getBody(byte[].class)).isEqualTo(MalformedEvents.validData("e-1"));
    }

    @Test
    void invalidEventsGoToTheDeadLetterWithTheirViolationsWithoutRetriesAndValidOnesBetweenThemArrive() throws Exception {
        MockEndpoint amqp = camel.getEndpoint("mock:amqp", MockEndpoint.class);
        MockEndpoint deadLetter = camel.getEndpoint("mock:dead-letter", MockEndpoint.class);
        List<MalformedEvents.Case> corpus = MalformedEvents.all().stream().filter(c -> !c.wireOnly()).toList();
        List<String> validIds = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            String id = "valid-" + i;
            validIds.add(id);
            producer.sendBodyAndHeaders("direct:kafka-to-amqp", MalformedEvents.validData(id), MalformedEvents.validKafkaHeaders(id));
            MalformedEvents.Case malformed = corpus.get(i);
            producer.sendBodyAndHeaders("direct:kafka-to-amqp", malformed.body(), malformed.headers());
        }

        assertThat(amqp.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader("cloudEvents:id"))
                .containsExactlyElementsOf(validIds);
        assertThat(sinkAttempts).hasValue(validIds.size());
        assertThat(deadLetter.getReceivedExchanges()).hasSize(corpus.size());
        for (int i = 0; i < corpus.size(); i++) {
            Exchange dead = deadLetter.getReceivedExchanges().get(i);
            assertThat(dead.getMessage().getHeader(CloudEventAttributes.VIOLATIONS_HEADER, String.class))
                    .as(corpus.get(i).name()).contains(corpus.get(i).reason());
            assertThat(dead.getMessage().getHeader(Exchange.REDELIVERY_COUNTER)).as("no retries").isNull();
            assertThat(dead.getMessage().getBody(byte[].class)).as("the message as it arrived").isEqualTo(corpus.get(i).body());
        }
    }

    @Test
    void transcodesStructuredToBinaryAndKeysTheRecordByPartitionKey() throws Exception {
        MockEndpoint kafka = camel.getEndpoint("mock:kafka", MockEndpoint.class);
        producer.sendBodyAndHeader("direct:structured-to-kafka", SpecExamplesTest.JSON_OBJECT.replace(
                "\"comexampleothervalue\" : 5,", "\"comexampleothervalue\" : 5, \"partitionkey\" : \"p-1\","),
                "content-type", MalformedEvents.STRUCTURED);
        Map<String, Object> headers = kafka.getReceivedExchanges().get(0).getMessage().getHeaders();
        assertThat(headers).containsEntry("ce_id", "C234-1234-1234").containsEntry("ce_comexampleothervalue", "5")
                .containsEntry("content-type", "application/json").containsEntry(KafkaConstants.KEY, "p-1");
    }

    @Test
    void wrapBuildsAnEventFromParametersHeadersAndTheData() throws Exception {
        MockEndpoint wrapped = camel.getEndpoint("mock:wrapped", MockEndpoint.class);
        producer.sendBodyAndHeaders("direct:wrap", "{\"orderId\":\"order-42\",\"total\":9.5}",
                Map.of("customer", "c-7", "upstreamId", "msg-0001", Exchange.CONTENT_TYPE, "application/json",
                        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "correlationid", "corr-1"));
        Exchange out = wrapped.getReceivedExchanges().get(0);
        CloudEventCodec codec = new CloudEventCodec(CloudEventLimits.DEFAULT);
        CloudEventCodec.Read read = codec.read(out.getMessage().getHeaders(), out.getMessage().getBody(byte[].class), null);
        assertThat(read.mode()).isEqualTo(ContentMode.STRUCTURED);
        assertThat(read.event().attributes()).containsEntry("id", "msg-0001").containsEntry("subject", "order-42")
                .containsEntry("partitionkey", "c-7").containsEntry("type", "com.example.orders.order.created")
                .containsEntry("source", "/orders/order-service").containsEntry("datacontenttype", "application/json")
                .containsEntry("correlationid", "corr-1").containsEntry("dataschema", "https://example.com/schemas/order.json")
                .containsEntry("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .containsKey("time");
        assertThat(new String(read.event().data(), StandardCharsets.UTF_8)).isEqualTo("{\"orderId\":\"order-42\",\"total\":9.5}");
    }

    @Test
    void wrapCreatesAnIdAndACorrelationIdWhenTheInputHasNone() throws Exception {
        MockEndpoint wrapped = camel.getEndpoint("mock:wrapped", MockEndpoint.class);
        producer.sendBodyAndHeader("direct:wrap", "{\"orderId\":\"1\"}", "customer", "c");
        String body = wrapped.getReceivedExchanges().get(0).getMessage().getBody(String.class);
        assertThat(body).containsPattern("\"id\":\"[0-9a-f-]{36}\"").containsPattern("\"correlationid\":\"[0-9a-f-]{36}\"");
    }
}

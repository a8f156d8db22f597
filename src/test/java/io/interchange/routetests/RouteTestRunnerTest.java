package io.interchange.routetests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.interchange.InterchangeApplication;

import io.interchange.routetests.RouteTestFile.TestCase;
import io.interchange.routetests.TestFileNode.InvalidTestFileException;

/**
 * The route test runner itself: a test file whose expectations are wrong fails, and says which case, which
 * sink, which message, which attribute, header, key or data, expected against actual. The cases run on
 * routes/orders-kafka-to-rabbitmq.yaml, copied beside the test file.
 */
class RouteTestRunnerTest {

    private static final String FILE = """
            fixtures:
              order: &order
                id: e-42
                source: /orders/order-service
                type: com.example.orders.order.created
                datacontenttype: application/json
                data: {orderId: 42}
            tests:
              - name: as the route does it
                send: [{event: *order, key: order-42}]
                expect:
                  orders-to-rabbitmq:
                    - key: order-42
                      attributes: {type: com.example.orders.order.created}
                      data: {orderId: 42}
                      headers: {Content-Type: application/json, "ce_*": {absent: true}}

              - name: wrong attribute, data, header and key
                send: [{event: *order, key: order-42}]
                expect:
                  orders-to-rabbitmq:
                    - key: order-41
                      attributes: {type: com.example.orders.order.updated, subject: {present: true}}
                      data: {orderId: 43}
                      headers: {Content-Type: text/plain, "cloudEvents:*": {absent: true}}

              - name: one message expected, two arrive
                send: [{event: *order}, {event: {<<: *order, id: e-43}}]
                expect:
                  orders-to-rabbitmq: [{attributes: {id: e-42}}]

              - name: nothing expected at the dead letters
                send: [{event: {<<: *order, specversion: "0.3"}}]
                expect: nothing

              - name: expected to complete, the sink fails
                sinks:
                  orders-to-rabbitmq: {fail: error}
                send: [{event: *order}]
                expect:
                  orders-to-rabbitmq: {count: 1}
            """;

    @TempDir
    static Path folder;

    private static RouteTestFile file;
    private static GatewayUnderTest gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        Path routes = Files.createDirectories(folder.resolve("routes/tests"));
        Files.copy(Path.of("routes/orders-kafka-to-rabbitmq.yaml"), folder.resolve("routes/orders-kafka-to-rabbitmq.yaml"));
        Files.copy(Path.of("routes/dead-letter.yaml"), folder.resolve("routes/dead-letter.yaml"));
        Files.copy(Path.of("routes/bridge-templates.yaml"), folder.resolve("routes/bridge-templates.yaml"));
        Path testFile = routes.resolve("orders-kafka-to-rabbitmq.test.yaml");
        Files.writeString(testFile, FILE);
        file = RouteTestFile.read(testFile);
        gateway = GatewayUnderTest.start(file.routeFiles(), Map.of());
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static TestCase named(String name) {
        return file.cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private static String failureOf(String name) {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> RouteTests.run(file, named(name), gateway));
        assertThat(failure).as(name).isInstanceOf(AssertionFailedError.class);
        return failure.getMessage();
    }

    @Test
    void theRightExpectationsPass() {
        assertThatCode(() -> RouteTests.run(file, named("as the route does it"), gateway)).doesNotThrowAnyException();
    }

    @Test
    void aWrongExpectationNamesTheCaseTheSinkTheMessageAndEachDifference() {
        String failure = failureOf("wrong attribute, data, header and key");

        assertThat(failure).startsWith(folder.resolve("routes/tests/orders-kafka-to-rabbitmq.test.yaml")
                + ", case \"wrong attribute, data, header and key\" (tests[1]):\n"
                + "  - sink orders-to-rabbitmq, message #1 (tests[1].expect.orders-to-rabbitmq[0]):\n");
        assertThat(failure).contains(
                "      key: expected \"order-41\", was \"order-42\"\n",
                "      attribute type: expected \"com.example.orders.order.updated\", was \"com.example.orders.order.created\"\n",
                "      attribute subject: expected present, was absent\n",
                "      data: expected JSON {\"orderId\":43}, was {\"orderId\":42}\n",
                "      header Content-Type: expected \"text/plain\", was \"application/json\"\n",
                "      headers cloudEvents:*: expected absent, found cloudEvents:id, cloudEvents:source,"
                        + " cloudEvents:specversion, cloudEvents:type");
    }

    @Test
    void aWrongCountListsWhatArrived() {
        assertThat(failureOf("one message expected, two arrive")).contains(
                "  - sink orders-to-rabbitmq: expected 1 message (tests[2].expect.orders-to-rabbitmq), received 2 messages\n"
                        + "      #1 event id=e-42 type=com.example.orders.order.created, data \"{\\\"orderId\\\":42}\"\n"
                        + "      #2 event id=e-43 type=com.example.orders.order.created, data \"{\\\"orderId\\\":42}\"");
    }

    @Test
    void anUnexpectedDeadLetterIsShownWithItsReason() {
        assertThat(failureOf("nothing expected at the dead letters")).contains(
                "  - dead-letters: expected nothing (not named in expect), received 1 message\n"
                        + "      #1 to kafka:orders.dlt, reason \"Invalid CloudEvent: specversion must be '1.0', was '0.3'\","
                        + " event id=e-42");
    }

    @Test
    void anUnexpectedFailureSaysTheSourceWouldDeliverTheMessageAgain() {
        assertThat(failureOf("expected to complete, the sink fails")).contains(
                "  - sent tests[4].send[0] to orders-kafka-to-rabbitmq: expected the route to complete, it failed (the"
                        + " source would deliver it again): IllegalStateException: route test: error of sink orders-to-rabbitmq");
    }

    @Test
    void aMisspelledKeyIsNamedWithItsPlaceAndTheKeysKnownThere() throws IOException {
        Path testFile = folder.resolve("routes/tests/orders-kafka-to-rabbitmq.test.yaml");
        Path misspelled = Files.createDirectories(folder.resolve("other/routes/tests"))
                .resolve("orders-kafka-to-rabbitmq.test.yaml");
        Files.copy(Path.of("routes/orders-kafka-to-rabbitmq.yaml"), folder.resolve("other/routes/orders-kafka-to-rabbitmq.yaml"));
        Files.writeString(misspelled, Files.readString(testFile).replace("attributes: {type: com.example.orders.order.created}",
                "atributes: {type: com.example.orders.order.created}"));

        assertThatThrownBy(() -> RouteTestFile.read(misspelled)).isInstanceOf(InvalidTestFileException.class)
                .hasMessageStartingWith(misspelled + ", tests[0].expect.orders-to-rabbitmq[0]: unknown key 'atributes';"
                        + " known here: attributes, body, body-base64, body-contains, data, data-base64, data-contains,"
                        + " headers, key, mode");
    }

    @Test
    void theGatewayLoadingTheRoutesFolderLeavesTheTestFilesAlone() {
        // A test file loaded as a route file would stop startup: "tests" is no route DSL.
        DefaultCamelContext.setNoStart(true);
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InterchangeApplication.class).run(
                "--interchange.routes-dir=" + folder.resolve("routes"), "--spring.main.web-application-type=none",
                "--INTERCHANGE_KAFKA_BROKERS=127.0.0.1:1", "--INTERCHANGE_RABBITMQ_HOST=127.0.0.1",
                "--interchange.rabbitmq.topology.exchanges=", "--interchange.rabbitmq.topology.queues=",
                "--interchange.rabbitmq.topology.bindings=")) {
            assertThat(((ModelCamelContext) app.getBean(CamelContext.class)).getRouteDefinitions())
                    .extracting(RouteDefinition::getRouteId).containsExactly("orders-kafka-to-rabbitmq");
        } finally {
            DefaultCamelContext.setNoStart(false);
        }
    }

    @Test
    void aSinkThatDoesNotExistIsNamedWithTheSinksThereAre() {
        TestCase wrongSink = new TestCase("wrong sink", "tests[9]", Map.of(), Map.of(), named("as the route does it").send(),
                new RouteTestFile.Expectation(Map.of("orders-to-kafka", new RouteTestFile.SinkExpectation("tests[9].expect",
                        0, java.util.List.of())), null));

        assertThatThrownBy(() -> RouteTests.run(file, wrongSink, gateway)).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("no sink is named 'orders-to-kafka': the sinks are orders-to-rabbitmq");
    }
}

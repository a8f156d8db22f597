package io.interchange.routetests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

import io.interchange.bridge.BridgeHeaders;
import io.interchange.cloudevents.CloudEventCodec;
import io.interchange.cloudevents.ContentMode;
import io.interchange.cloudevents.HeaderBinding;
import io.interchange.cloudevents.InvalidCloudEventException;
import io.interchange.routetests.GatewayUnderTest.Broker;
import io.interchange.routetests.GatewayUnderTest.Delivery;
import io.interchange.routetests.GatewayUnderTest.Sink;
import io.interchange.routetests.RouteTestFile.Input;
import io.interchange.routetests.RouteTestFile.MessageExpectation;
import io.interchange.routetests.RouteTestFile.ResponseExpectation;
import io.interchange.routetests.RouteTestFile.SinkExpectation;
import io.interchange.routetests.RouteTestFile.TestCase;

/**
 * Runs one case on a gateway and says everything that differed from the case's expectations, one
 * finding per line: which message sent, which sink (or the dead letters), which message there (#1 is the
 * first), which attribute, header, key or data, expected against actual. Nothing found: the case passed.
 */
final class CaseRun {

    private final GatewayUnderTest gateway;
    private final TestCase testCase;
    private final List<String> findings = new ArrayList<>();

    private CaseRun(GatewayUnderTest gateway, TestCase testCase) {
        this.gateway = gateway;
        this.testCase = testCase;
    }

    static List<String> run(GatewayUnderTest gateway, TestCase testCase) {
        CaseRun run = new CaseRun(gateway, testCase);
        run.execute();
        return run.findings;
    }

    private void execute() {
        gateway.reset();
        Map<Sink, SinkExpectation> expected = new LinkedHashMap<>();
        testCase.expect().sinks().forEach((name, expectation) -> {
            Sink sink = gateway.sink(name);
            if (expected.put(sink, expectation) != null) {
                throw new IllegalArgumentException(expectation.path() + ": sink " + sink.name() + " is expected twice");
            }
        });
        for (Input input : testCase.send()) {
            source(input.path(), input.to());
        }
        testCase.sinks().forEach((name, behaviour) -> {
            if (!name.equals(RouteTestFile.DEAD_LETTERS)) {
                name = gateway.sink(name).name();
            }
            behaviour.replies().stream().filter(java.util.Objects::nonNull).forEach(r -> source(r.path(), r.to()));
            gateway.behave(name, behaviour);
        });
        for (int i = 0; i < testCase.send().size(); i++) {
            Input input = testCase.send().get(i);
            for (int copy = 0; copy < input.repeat(); copy++) {
                checkDelivery(gateway.send(input, copy, UnaryOperator.identity()));
            }
        }
        Map<Sink, Integer> counts = new LinkedHashMap<>();
        expected.forEach((sink, expectation) -> counts.put(sink, expectation.count()));
        SinkExpectation deadLetters = testCase.expect().deadLetters();
        gateway.settle(counts, deadLetters == null ? 0 : deadLetters.count());

        for (Sink sink : gateway.sinks().values()) {
            List<Exchange> received = sink.mock().getReceivedExchanges();
            SinkExpectation expectation = expected.get(sink);
            checkArrivals("sink " + sink.name(), expectation, received, sink, false);
        }
        checkArrivals(RouteTestFile.DEAD_LETTERS, deadLetters, gateway.deadLetters(), null, true);
        gateway.problems().forEach(findings::add);
    }

    /** The source a message goes to; a name that is none is a mistake in the test file, named with its place. */
    private void source(String path, String to) {
        try {
            gateway.source(to);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    private void checkDelivery(Delivery delivery) {
        Input input = delivery.input();
        String what = "sent " + input.path() + (input.repeat() > 1 ? " (copy " + (delivery.copy() + 1) + " of "
                + input.repeat() + ")" : "") + " to " + gateway.source(input.to()).routeId();
        Exchange exchange = delivery.exchange();
        if (delivery.failed() && !input.expectFailure()) {
            findings.add(what + ": expected the route to complete, it failed (the source would deliver it again): "
                    + GatewayUnderTest.describe(exchange.getException()));
        } else if (!delivery.failed() && input.expectFailure()) {
            findings.add(what + ": expected the route to fail (the source delivering it again), it completed");
        } else if (delivery.failed() && input.error() != null
                && GatewayUnderTest.messages(exchange.getException()).stream().noneMatch(m -> m.contains(input.error()))) {
            findings.add(what + ": expected a failure containing " + ValueMatcher.quote(input.error()) + ", was "
                    + GatewayUnderTest.describe(exchange.getException()));
        }
        ResponseExpectation response = input.response();
        if (response != null) {
            Message answer = exchange.getMessage();
            List<String> differences = new ArrayList<>();
            Integer status = answer.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
            if (response.status() != null && !response.status().equals(status == null ? 200 : status)) {
                differences.add("status: expected " + response.status() + ", was " + (status == null ? 200 : status));
            }
            SinkMessage message = SinkMessage.of(answer.getHeaders(), answer.getBody(byte[].class), null);
            response.headers().forEach((name, matcher) -> header(message, name, matcher, differences));
            response.body().forEach(body -> note(differences, body.field(), body.mismatch(message.body())));
            differences.forEach(d -> findings.add(what + ", response: " + d));
        }
    }

    private void checkArrivals(String where, SinkExpectation expectation, List<Exchange> received, Sink sink,
            boolean deadLetters) {
        int expectedCount = expectation == null ? 0 : expectation.count();
        if (received.size() != expectedCount) {
            String said = expectation == null ? " (not named in expect)" : " (" + expectation.path() + ")";
            StringBuilder line = new StringBuilder(where + ": expected " + count(expectedCount) + said + ", received "
                    + count(received.size()));
            for (int i = 0; i < received.size(); i++) {
                line.append("\n      #").append(i + 1).append(' ').append(summary(received.get(i), sink, deadLetters));
            }
            findings.add(line.toString());
        }
        if (expectation == null) {
            return;
        }
        for (int i = 0; i < expectation.messages().size() && i < received.size(); i++) {
            Exchange exchange = received.get(i);
            String uri = deadLetters ? GatewayUnderTest.destinationOf(exchange) : sink.uri();
            List<String> differences = compare(expectation.messages().get(i), view(exchange, sink, deadLetters), exchange, uri);
            if (!differences.isEmpty()) {
                findings.add(where + ", message #" + (i + 1) + " (" + expectation.messages().get(i).path() + "):\n      "
                        + String.join("\n      ", differences));
            }
        }
    }

    /** A message at a sink or a dead-letter destination as that broker carries it. */
    private SinkMessage view(Exchange exchange, Sink sink, boolean deadLetter) {
        String uri = deadLetter ? GatewayUnderTest.destinationOf(exchange) : sink.uri();
        Broker broker = brokerOf(uri);
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (broker == null) {
            Map<String, Object> headers = exchange.getMessage().getHeaders();
            return deadLetter ? SinkMessage.deadLetter(headers, body, null) : SinkMessage.of(headers, body, null);
        }
        Map<String, Object> wire = gateway.wireHeaders(broker, uri, exchange);
        return deadLetter ? SinkMessage.deadLetter(wire, body, broker.binding) : SinkMessage.of(wire, body, broker.binding);
    }

    private List<String> compare(MessageExpectation expected, SinkMessage message, Exchange exchange, String uri) {
        List<String> differences = new ArrayList<>();
        if (expected.key() != null) {
            Broker broker = brokerOf(uri);
            Object key = broker == null ? exchange.getMessage().getHeader(BridgeHeaders.KEY)
                    : GatewayUnderTest.keyOf(broker, uri, exchange.getMessage());
            note(differences, "key", expected.key().mismatch(key));
        }
        boolean needsEvent = expected.mode() != null || !expected.attributes().isEmpty() || !expected.data().isEmpty();
        if (needsEvent) {
            try {
                CloudEventCodec.Read read = message.event();
                if (expected.mode() != null) {
                    String mode = read.mode() == ContentMode.STRUCTURED ? "structured" : "binary";
                    if (!mode.equals(expected.mode())) {
                        differences.add("mode: expected " + expected.mode() + ", was " + mode);
                    }
                }
                expected.attributes().forEach((name, matcher) ->
                        note(differences, "attribute " + name, matcher.mismatch(read.event().attributes().get(name))));
                expected.data().forEach(data -> note(differences, data.field(), data.mismatch(read.event().data())));
            } catch (InvalidCloudEventException e) {
                differences.add("expected a CloudEvent" + (message.binding() == null ? "" : " in the "
                        + message.binding().name() + " binding") + ", found none: " + e.getMessage());
            }
        }
        expected.body().forEach(body -> note(differences, body.field(), body.mismatch(message.body())));
        expected.headers().forEach((name, matcher) -> header(message, name, matcher, differences));
        expected.deadLetter().forEach((field, matcher) -> {
            Object actual = field.equals("destination")
                    ? GatewayUnderTest.withoutOptions(String.valueOf(GatewayUnderTest.destinationOf(exchange)))
                    : message.deadLetterField(field);
            note(differences, field, matcher.mismatch(actual));
        });
        return differences;
    }

    private static void header(SinkMessage message, String name, ValueMatcher matcher, List<String> differences) {
        if (name.endsWith("*")) {
            String prefix = name.substring(0, name.length() - 1).toLowerCase(Locale.ROOT);
            List<String> present = message.headers().keySet().stream()
                    .filter(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix)).sorted().toList();
            if (!present.isEmpty()) {
                differences.add("headers " + name + ": expected absent, found " + String.join(", ", present));
            }
            return;
        }
        note(differences, "header " + name, matcher.mismatch(message.header(name)));
    }

    private static void note(List<String> differences, String what, String mismatch) {
        if (mismatch != null) {
            differences.add(what + ": " + mismatch);
        }
    }

    /** One line about a message that arrived: its event (or body) and, for a dead letter, its reason. */
    private String summary(Exchange exchange, Sink sink, boolean deadLetter) {
        SinkMessage message = view(exchange, sink, deadLetter);
        StringBuilder line = new StringBuilder();
        if (deadLetter) {
            line.append("to ").append(GatewayUnderTest.withoutOptions(String.valueOf(GatewayUnderTest.destinationOf(exchange))))
                    .append(", reason ").append(ValueMatcher.quote(String.valueOf(message.deadLetterField("reason"))))
                    .append(", ");
        }
        try {
            CloudEventCodec.Read read = message.event();
            Map<String, Object> attributes = read.event().attributes();
            line.append("event id=").append(attributes.get("id")).append(" type=").append(attributes.get("type"));
            byte[] data = read.event().data();
            line.append(", data ").append(data == null ? "none" : ContentExpectation.show(data));
        } catch (InvalidCloudEventException e) {
            line.append("body ").append(message.body() == null ? "none" : ContentExpectation.show(message.body()));
        }
        return line.toString();
    }

    private static Broker brokerOf(String uri) {
        return uri == null ? null : Broker.of(uri.substring(0, Math.max(0, uri.indexOf(':'))));
    }

    private static String count(int n) {
        return n == 0 ? "nothing" : n == 1 ? "1 message" : n + " messages";
    }
}

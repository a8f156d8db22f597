package io.interchange.routetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import io.interchange.routetests.TestFileNode.InvalidTestFileException;

/**
 * One route test file, {@code routes/tests/<route file name>.test.yaml}, as read: the route files it
 * loads, its settings and its cases. The format is described in docs/route-tests.md.
 */
record RouteTestFile(Path path, List<Path> routeFiles, Map<String, String> config, Map<String, String> endpoints,
        List<TestCase> cases) {

    static final String SUFFIX = ".test.yaml";
    /** The key of an expectation (and a sink behaviour) that means the dead letters of every route. */
    static final String DEAD_LETTERS = "dead-letters";
    /** The route configuration file every test loads, like the gateway, when it exists. */
    static final String DEAD_LETTER_POLICY = "dead-letter.yaml";
    /** The route templates the bridge routes are made of; loaded with every test file, as the gateway loads it. */
    static final String BRIDGE_TEMPLATES = "bridge-templates.yaml";

    private static final Set<String> FILE_KEYS = Set.of("routes", "config", "endpoints", "fixtures", "tests");
    private static final Set<String> CASE_KEYS = Set.of("name", "config", "sinks", "send", "expect");
    private static final Set<String> INPUT_KEYS = union(MessageFixture.KEYS,
            Set.of("to", "attempt", "first-failure", "unsettled", "repeat", "outcome", "error", "response"));
    private static final Set<String> REPLY_KEYS = union(MessageFixture.KEYS, Set.of("to"));
    private static final Set<String> SINK_KEYS = Set.of("fail", "times", "reply");
    private static final Set<String> FAILURE_KEYS = Set.of("exception", "message", "args");
    /** Failures a sink can be told to have without naming a Java exception. */
    static final Set<String> FAILURE_KINDS = Set.of("outage", "too-large", "rejected", "error");
    private static final Set<String> CONTENT_KEYS = Set.of("data", "data-contains", "data-base64", "body",
            "body-contains", "body-base64");
    private static final Set<String> MESSAGE_KEYS = union(CONTENT_KEYS, Set.of("key", "mode", "attributes", "headers"));
    /** A dead letter's own fields, beside what it carries of the original message. */
    static final Set<String> DEAD_LETTER_FIELDS = Set.of("reason", "exception", "route", "attempts", "violations",
            "original-location", "first-failure-time", "time", "truncated", "destination");
    private static final Set<String> DEAD_LETTER_KEYS = union(MESSAGE_KEYS, DEAD_LETTER_FIELDS);
    private static final Set<String> RESPONSE_KEYS = Set.of("status", "headers", "body", "body-contains", "body-base64");

    /** One case: what is sent, how the sinks behave, and what must arrive where. */
    record TestCase(String name, String path, Map<String, String> config, Map<String, SinkBehaviour> sinks,
            List<Input> send, Expectation expect) {
    }

    /**
     * A message sent to a source, as its broker would hand it over ({@code attempt}: the delivery attempt the
     * source counts; {@code unsettled}: earlier deliveries the gateway died during), and what the source sees
     * of it: completed (acknowledged) or failed (delivered again); for HTTP sources the response.
     */
    record Input(String path, String to, MessageFixture message, Integer attempt, Long firstFailureMillis,
            Integer unsettled, int repeat, boolean expectFailure, String error, ResponseExpectation response) {
    }

    /** What an HTTP source answers. */
    record ResponseExpectation(Integer status, Map<String, ValueMatcher> headers, List<ContentExpectation> body) {
    }

    /**
     * How a sink behaves in a case: it fails (the first {@code times} messages, or all), or it answers: one
     * reply for every message, or a list, the n-th reply for the n-th message (null: no answer).
     */
    record SinkBehaviour(String path, Failure failure, Integer times, List<Reply> replies, boolean replyToEach) {
    }

    /** A failure by kind ({@link #FAILURE_KINDS}) or by exception class, message and constructor arguments. */
    record Failure(String kind, String exception, String message, List<Object> args) {
    }

    /** A message a sink answers with, sent to a source; texts may use {@code ${request.<attribute>}}. */
    record Reply(String path, String to, MessageFixture message) {
    }

    /** Every sink not named here, and the dead letters unless named, must receive nothing. */
    record Expectation(Map<String, SinkExpectation> sinks, SinkExpectation deadLetters) {
    }

    /** Exactly {@code count} messages, the first {@code messages.size()} of them as described, in order. */
    record SinkExpectation(String path, int count, List<MessageExpectation> messages) {
    }

    /** One message at a sink (or one dead letter: then also its reason and the rest, {@link #DEAD_LETTER_FIELDS}). */
    record MessageExpectation(String path, ValueMatcher key, String mode, Map<String, ValueMatcher> attributes,
            List<ContentExpectation> data, List<ContentExpectation> body, Map<String, ValueMatcher> headers,
            Map<String, ValueMatcher> deadLetter) {
    }

    static RouteTestFile read(Path path) {
        String name = path.getFileName().toString();
        if (!name.endsWith(SUFFIX)) {
            throw new InvalidTestFileException(path + ": a route test file is named <route file name>" + SUFFIX);
        }
        Path routesDir = path.toAbsolutePath().getParent().getParent();
        Path routeFile = routesDir.resolve(name.substring(0, name.length() - SUFFIX.length()) + ".yaml");
        if (!Files.exists(routeFile)) {
            throw new InvalidTestFileException(path + ": there is no route file " + routeFile
                    + " (test files live in the tests/ folder beside the route files they test)");
        }
        Object document;
        try {
            LoaderOptions options = new LoaderOptions();
            document = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
                    options, new TimesAsText()).load(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (YAMLException e) {
            throw new InvalidTestFileException(path + ": not YAML: " + e.getMessage());
        }
        try {
            return parse(path, routesDir, routeFile, new TestFileNode(document, ""));
        } catch (InvalidTestFileException e) {
            throw new InvalidTestFileException(path + ", " + e.getMessage());
        }
    }

    private static RouteTestFile parse(Path path, Path routesDir, Path routeFile, TestFileNode document) {
        Map<String, TestFileNode> file = document.map(FILE_KEYS);
        List<Path> routeFiles = new ArrayList<>(List.of(routeFile));
        if (file.containsKey("routes")) {
            for (TestFileNode other : file.get("routes").list()) {
                Path extra = routesDir.resolve(other.text());
                if (!Files.exists(extra)) {
                    throw other.invalid("there is no route file " + extra);
                }
                routeFiles.add(extra);
            }
        }
        for (String always : List.of(DEAD_LETTER_POLICY, BRIDGE_TEMPLATES)) {
            Path shared = routesDir.resolve(always);
            if (Files.exists(shared) && !routeFiles.contains(shared)) {
                routeFiles.add(shared);
            }
        }
        Map<String, String> config = file.containsKey("config") ? config(file.get("config")) : Map.of();
        Map<String, String> endpoints = new LinkedHashMap<>();
        if (file.containsKey("endpoints")) {
            file.get("endpoints").map().forEach((name, uri) -> endpoints.put(name, uri.text()));
        }
        if (!file.containsKey("tests")) {
            throw document.invalid("a test file has tests");
        }
        List<TestCase> cases = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (TestFileNode item : file.get("tests").list()) {
            TestCase testCase = testCase(item);
            if (!names.add(testCase.name())) {
                throw item.invalid("another case is named '" + testCase.name() + "' already");
            }
            cases.add(testCase);
        }
        return new RouteTestFile(path, List.copyOf(routeFiles), config, endpoints, cases);
    }

    /** Settings as Spring reads them: nested maps become dotted names, lists comma-separated values. */
    static Map<String, String> config(TestFileNode node) {
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", node, flat);
        return flat;
    }

    private static void flatten(String prefix, TestFileNode node, Map<String, String> flat) {
        for (Map.Entry<String, TestFileNode> entry : node.map().entrySet()) {
            String name = prefix + entry.getKey();
            TestFileNode value = entry.getValue();
            if (value.isMap()) {
                flatten(name + ".", value, flat);
            } else if (value.isList()) {
                flat.put(name, String.join(",", value.list().stream().map(TestFileNode::text).toList()));
            } else {
                flat.put(name, value.isNull() ? "" : value.text());
            }
        }
    }

    private static TestCase testCase(TestFileNode node) {
        Map<String, TestFileNode> item = node.map(CASE_KEYS);
        if (!item.containsKey("name") || !item.containsKey("send") || !item.containsKey("expect")) {
            throw node.invalid("a case has a name, the messages it sends (send) and what it expects (expect)");
        }
        String name = item.get("name").text();
        Map<String, String> config = item.containsKey("config") ? config(item.get("config")) : Map.of();
        Map<String, SinkBehaviour> sinks = new LinkedHashMap<>();
        if (item.containsKey("sinks")) {
            item.get("sinks").map().forEach((sink, behaviour) -> sinks.put(sink, sinkBehaviour(behaviour)));
        }
        List<Input> send = new ArrayList<>();
        for (TestFileNode input : item.get("send").list()) {
            send.add(input(input));
        }
        return new TestCase(name, node.path(), config, sinks, send, expectation(item.get("expect")));
    }

    private static Input input(TestFileNode node) {
        Map<String, TestFileNode> item = node.map(INPUT_KEYS);
        String to = item.containsKey("to") ? item.get("to").text() : null;
        Integer attempt = item.containsKey("attempt") ? positive(item.get("attempt")) : null;
        Long firstFailure = null;
        if (item.containsKey("first-failure")) {
            try {
                firstFailure = Instant.parse(item.get("first-failure").text()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw item.get("first-failure").invalid("expected an RFC 3339 time such as 2026-11-27T12:00:00Z");
            }
        }
        Integer unsettled = item.containsKey("unsettled") ? positive(item.get("unsettled")) : null;
        int repeat = item.containsKey("repeat") ? positive(item.get("repeat")) : 1;
        String error = item.containsKey("error") ? item.get("error").text() : null;
        boolean failure = error != null;
        if (item.containsKey("outcome")) {
            boolean failed = item.get("outcome").word(Set.of("completed", "failed")).equals("failed");
            if (!failed && error != null) {
                throw item.get("error").invalid("an error goes with outcome: failed");
            }
            failure = failed;
        }
        ResponseExpectation response = item.containsKey("response") ? response(item.get("response")) : null;
        return new Input(node.path(), to, MessageFixture.parse(item, node), attempt, firstFailure, unsettled, repeat,
                failure, error, response);
    }

    private static int positive(TestFileNode node) {
        int value = node.integer();
        if (value < 1) {
            throw node.invalid("expected 1 or more");
        }
        return value;
    }

    private static ResponseExpectation response(TestFileNode node) {
        Map<String, TestFileNode> item = node.map(RESPONSE_KEYS);
        Integer status = item.containsKey("status") ? item.get("status").integer() : null;
        Map<String, ValueMatcher> headers = item.containsKey("headers") ? matchers(item.get("headers")) : Map.of();
        return new ResponseExpectation(status, headers, contents("body", item));
    }

    private static SinkBehaviour sinkBehaviour(TestFileNode node) {
        Map<String, TestFileNode> item = node.map(SINK_KEYS);
        Failure failure = null;
        if (item.containsKey("fail")) {
            TestFileNode fail = item.get("fail");
            if (fail.isScalar()) {
                failure = new Failure(fail.word(FAILURE_KINDS), null, null, List.of());
            } else {
                Map<String, TestFileNode> explicit = fail.map(FAILURE_KEYS);
                if (!explicit.containsKey("exception")) {
                    throw fail.invalid("say which exception, or one of " + String.join(", ", FAILURE_KINDS));
                }
                List<Object> args = explicit.containsKey("args")
                        ? explicit.get("args").list().stream().map(TestFileNode::value).toList() : List.of();
                String message = explicit.containsKey("message") ? explicit.get("message").text() : null;
                if (message != null && !args.isEmpty()) {
                    throw fail.invalid("give either message or args");
                }
                failure = new Failure(null, explicit.get("exception").text(), message, args);
            }
        }
        Integer times = item.containsKey("times") ? positive(item.get("times")) : null;
        if (times != null && failure == null) {
            throw item.get("times").invalid("times counts failures: say fail as well");
        }
        List<Reply> replies = new ArrayList<>();
        boolean each = false;
        if (item.containsKey("reply")) {
            TestFileNode reply = item.get("reply");
            each = reply.isMap();
            for (TestFileNode one : reply.listOrOne()) {
                if (one.isNull() && reply.isList()) {
                    replies.add(null); // this request goes unanswered
                    continue;
                }
                Map<String, TestFileNode> fields = one.map(REPLY_KEYS);
                if (!fields.containsKey("to")) {
                    throw one.invalid("a reply says which source it goes to (to)");
                }
                replies.add(new Reply(one.path(), fields.get("to").text(), MessageFixture.parse(fields, one)));
            }
        }
        if (failure != null && !replies.isEmpty()) {
            throw node.invalid("a sink either fails or replies");
        }
        return new SinkBehaviour(node.path(), failure, times, replies, each);
    }

    private static Expectation expectation(TestFileNode node) {
        if (node.isScalar() && node.text().equals("nothing")) {
            return new Expectation(Map.of(), null);
        }
        Map<String, SinkExpectation> sinks = new LinkedHashMap<>();
        SinkExpectation deadLetters = null;
        for (Map.Entry<String, TestFileNode> entry : node.map().entrySet()) {
            boolean dead = entry.getKey().equals(DEAD_LETTERS);
            SinkExpectation expectation = sinkExpectation(entry.getValue(), dead);
            if (dead) {
                deadLetters = expectation;
            } else {
                sinks.put(entry.getKey(), expectation);
            }
        }
        return new Expectation(sinks, deadLetters);
    }

    private static SinkExpectation sinkExpectation(TestFileNode node, boolean deadLetters) {
        if (node.isScalar() && node.text().equals("nothing")) {
            return new SinkExpectation(node.path(), 0, List.of());
        }
        if (node.isMap()) {
            return new SinkExpectation(node.path(), node.map(Set.of("count")).get("count").integer(), List.of());
        }
        if (!node.isList()) {
            throw node.invalid("expected nothing, {count: N} or a list of messages");
        }
        List<MessageExpectation> messages = new ArrayList<>();
        for (TestFileNode message : node.list()) {
            messages.add(messageExpectation(message, deadLetters));
        }
        return new SinkExpectation(node.path(), messages.size(), messages);
    }

    private static MessageExpectation messageExpectation(TestFileNode node, boolean deadLetter) {
        if (node.isNull()) {
            // "- {}" or a bare "-": a message, whatever it is
            node = new TestFileNode(Map.of(), node.path());
        }
        Map<String, TestFileNode> item = node.map(deadLetter ? DEAD_LETTER_KEYS : MESSAGE_KEYS);
        ValueMatcher key = item.containsKey("key") ? ValueMatcher.parse(item.get("key")) : null;
        String mode = item.containsKey("mode") ? item.get("mode").word(Set.of("binary", "structured")) : null;
        Map<String, ValueMatcher> attributes = item.containsKey("attributes") ? matchers(item.get("attributes")) : Map.of();
        Map<String, ValueMatcher> headers = item.containsKey("headers") ? matchers(item.get("headers")) : Map.of();
        Map<String, ValueMatcher> fields = new LinkedHashMap<>();
        item.forEach((name, value) -> {
            if (DEAD_LETTER_FIELDS.contains(name)) {
                fields.put(name, ValueMatcher.parse(value));
            }
        });
        return new MessageExpectation(node.path(), key, mode, attributes, contents("data", item), contents("body", item),
                headers, fields);
    }

    private static List<ContentExpectation> contents(String field, Map<String, TestFileNode> item) {
        List<ContentExpectation> contents = new ArrayList<>();
        for (String form : List.of("", "-contains", "-base64")) {
            if (item.containsKey(field + form)) {
                contents.add(ContentExpectation.parse(field, form, item.get(field + form)));
            }
        }
        return contents;
    }

    private static Map<String, ValueMatcher> matchers(TestFileNode node) {
        Map<String, ValueMatcher> matchers = new LinkedHashMap<>();
        node.map().forEach((name, value) -> {
            ValueMatcher matcher = ValueMatcher.parse(value);
            if (name.endsWith("*") && matcher.kind() != ValueMatcher.Kind.ABSENT) {
                throw value.invalid("a name ending in * stands for many: only {absent: true} can be said of it");
            }
            matchers.put(name, matcher);
        });
        return matchers;
    }

    /** YAML 1.1 would turn 2026-11-27T12:00:00Z into a date; CloudEvents times are compared as written. */
    private static final class TimesAsText extends Resolver {
        @Override
        public void addImplicitResolver(Tag tag, Pattern regexp, String first, int limit) {
            if (!Tag.TIMESTAMP.equals(tag)) {
                super.addImplicitResolver(tag, regexp, first, limit);
            }
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}

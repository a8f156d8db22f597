package io.interchange.routetests;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.ToDynamicDefinition;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.DefaultInterceptSendToEndpoint;
import org.apache.camel.util.URISupport;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.interchange.InterchangeApplication;
import io.interchange.bridge.BridgeHeaders;
import io.interchange.bridge.BridgeProperties;
import io.interchange.bridge.MessageTooLargeException;
import io.interchange.bridge.UnencodableMessageException;
import io.interchange.bridge.rabbitmq.RabbitPublishException;
import io.interchange.bridge.rabbitmq.UnroutableMessageException;
import io.interchange.bridge.sqs.SqsHeaders;
import io.interchange.bridge.sqs.SqsRejectedException;
import io.interchange.bridge.sqs.SqsSendException;
import io.interchange.bridge.sqs.SqsSinkAttributes;
import io.interchange.cloudevents.HeaderBinding;
import io.interchange.deadletter.DeadLetterPolicy;
import io.interchange.deadletter.DeadLetterHeaders;
import io.interchange.routetests.RouteTestFile.Failure;
import io.interchange.routetests.RouteTestFile.Input;
import io.interchange.routetests.RouteTestFile.Reply;
import io.interchange.routetests.RouteTestFile.SinkBehaviour;
import io.interchange.security.HeaderAllowList;
import io.interchange.security.IngressHeaders;

/**
 * The gateway as it runs route files, without brokers: the Spring Boot application loads the route files
 * with {@code camel.main.routes-include-pattern} and the settings of {@code config/application.yaml} (plus
 * a test file's own), then, before Camel starts, every broker or HTTP source is replaced with a
 * {@code direct:} endpoint (AdviceWith {@code replaceFromWith}) and every broker sink with a mock endpoint
 * ({@code weaveById(...).replace()}); the dead-letter destinations are intercepted. Every other step runs
 * as in production: the CloudEvents steps, routing, the idempotent consumer on the memory store, the
 * dead-letter policy. Messages are handed to a route the way its source would (the same header allow-list,
 * key, delivery attempt and bookkeeping headers).
 */
final class GatewayUnderTest implements AutoCloseable {

    /** A broker a source reads or a sink writes, with its CloudEvents binding and the headers its source admits. */
    enum Broker {
        KAFKA(HeaderBinding.KAFKA, IngressHeaders.KAFKA, "interchange-kafka", "kafka"),
        RABBITMQ(HeaderBinding.AMQP, IngressHeaders.AMQP, "interchange-rabbitmq", "spring-rabbitmq"),
        SQS(HeaderBinding.SQS, IngressHeaders.SQS, "interchange-sqs", "aws2-sqs");

        final HeaderBinding binding;
        final String ingress;
        final String gatewayScheme;
        final String stockScheme;

        Broker(HeaderBinding binding, String ingress, String gatewayScheme, String stockScheme) {
            this.binding = binding;
            this.ingress = ingress;
            this.gatewayScheme = gatewayScheme;
            this.stockScheme = stockScheme;
        }

        static Broker of(String scheme) {
            for (Broker broker : values()) {
                if (broker.gatewayScheme.equals(scheme) || broker.stockScheme.equals(scheme)) {
                    return broker;
                }
            }
            return null;
        }
    }

    /** A route's source: the endpoint it declares and the stand-in messages are sent to. */
    record Source(String routeId, String uri, Broker broker, boolean gatewaySource, String standIn,
            IngressHeaders ingress) {

        String scheme() {
            return uri.substring(0, uri.indexOf(':'));
        }

        /** The topic or queue: the endpoint path without options. */
        String destination() {
            String path = uri.substring(uri.indexOf(':') + 1).replaceFirst("^//", "");
            int query = path.indexOf('?');
            return (query < 0 ? path : path.substring(0, query)).split(",")[0];
        }
    }

    /** A sink: a step that writes to a broker, replaced by a mock endpoint. */
    record Sink(String name, String uri, Broker broker, MockEndpoint mock) {
    }

    /** What a source saw of a message it handed over: the exchange after its route. */
    record Delivery(Input input, int copy, Exchange exchange) {

        boolean failed() {
            return exchange.isFailed();
        }
    }

    private static final String STAND_IN = "direct:route-test-source-";
    private static final String SINK_MOCK = "mock:route-test-sink-";
    private static final String DEAD_LETTER_MOCK = "mock:route-test-dead-letters";
    private static final Set<String> HTTP_SCHEMES = Set.of("platform-http", "http", "https", "servlet", "rest");
    private static final Pattern REQUEST_ATTRIBUTE = Pattern.compile("\\$\\{request\\.([A-Za-z0-9]+)}");
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final ConfigurableApplicationContext spring;
    private final ModelCamelContext camel;
    private final ProducerTemplate producer;
    private final Map<String, Source> sources = new LinkedHashMap<>();
    private final Map<String, Sink> sinks = new LinkedHashMap<>();
    /** Declared URI, placeholders resolved, of every source (by route id) and sink (by name). */
    private final Map<String, String> endpoints = new TreeMap<>();
    private final MockEndpoint deadLetters;
    private final Map<String, AtomicInteger> offsets = new LinkedHashMap<>();
    /** What went wrong outside a sent message (a reply that could not be sent): reported with the case. */
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private GatewayUnderTest(ConfigurableApplicationContext spring) throws Exception {
        this.spring = spring;
        this.camel = (ModelCamelContext) spring.getBean(CamelContext.class);
        this.producer = camel.createProducerTemplate();
        for (RouteDefinition route : List.copyOf(camel.getRouteDefinitions())) {
            replaceSourceAndSinks(route);
        }
        this.deadLetters = camel.getEndpoint(DEAD_LETTER_MOCK, MockEndpoint.class);
        interceptDeadLetters();
        camel.start();
    }

    /**
     * Starts the gateway with these route files and settings over config/application.yaml. Broker
     * addresses point nowhere, so that nothing can reach a real broker, and the idempotency store is memory.
     */
    static GatewayUnderTest start(List<Path> routeFiles, Map<String, String> config) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.main.web-application-type", "none");
        settings.put("camel.main.routes-include-pattern", String.join(",",
                routeFiles.stream().map(f -> "file:" + f.toAbsolutePath().normalize()).toList()));
        settings.put("camel.main.shutdown-timeout", "5");
        settings.put("camel.main.jmx-enabled", "false");
        settings.put("INTERCHANGE_KAFKA_BROKERS", "127.0.0.1:1");
        settings.put("INTERCHANGE_RABBITMQ_HOST", "127.0.0.1");
        settings.put("INTERCHANGE_RABBITMQ_PORT", "1");
        settings.put("INTERCHANGE_SQS_REGION", "us-east-1");
        settings.put("INTERCHANGE_SQS_ENDPOINT", "http://127.0.0.1:1");
        settings.put("INTERCHANGE_TRACING_ENABLED", "false");
        settings.put("interchange.idempotency.store", "memory");
        // Nothing to declare the RabbitMQ topology on: it would be retried in the background for ever.
        settings.put("interchange.rabbitmq.topology.exchanges", "");
        settings.put("interchange.rabbitmq.topology.queues", "");
        settings.put("interchange.rabbitmq.topology.bindings", "");
        settings.putAll(config);
        String[] args = settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        // Routes are loaded but not started, so that sources and sinks can be replaced first (as @UseAdviceWith).
        DefaultCamelContext.setNoStart(true);
        ConfigurableApplicationContext spring;
        try {
            spring = new SpringApplicationBuilder(InterchangeApplication.class).run(args);
        } finally {
            DefaultCamelContext.setNoStart(false);
        }
        try {
            return new GatewayUnderTest(spring);
        } catch (Exception | Error e) {
            spring.close();
            throw e;
        }
    }

    private void replaceSourceAndSinks(RouteDefinition route) throws Exception {
        // A route made from a template has the template's parameters as local properties, as Camel resolves them.
        PropertiesComponent properties = camel.getPropertiesComponent();
        if (route.getTemplateParameters() != null) {
            Properties parameters = new Properties();
            parameters.putAll(route.getTemplateParameters());
            properties.setLocalProperties(parameters);
        }
        try {
            findSourceAndSinks(route);
        } finally {
            properties.setLocalProperties(null);
        }
    }

    private void findSourceAndSinks(RouteDefinition route) throws Exception {
        String routeId = route.getRouteId();
        String sourceUri = camel.resolvePropertyPlaceholders(route.getInput().getEndpointUri());
        String scheme = sourceUri.substring(0, sourceUri.indexOf(':'));
        Broker sourceBroker = Broker.of(scheme);
        boolean replaceSource = sourceBroker != null || HTTP_SCHEMES.contains(scheme);
        endpoints.put(routeId, sourceUri);
        String standIn = replaceSource ? STAND_IN + routeId : sourceUri;
        IngressHeaders ingress = null;
        boolean gatewaySource = sourceBroker != null && scheme.equals(sourceBroker.gatewayScheme);
        if (gatewaySource) {
            ingress = IngressHeaders.of(sourceBroker.ingress, spring.getEnvironment().getProperty("interchange.ingress.headers", ""),
                    option(sourceUri, "ingressHeaders"));
        }
        sources.put(routeId, new Source(routeId, sourceUri, sourceBroker, gatewaySource, standIn, ingress));

        Map<String, Sink> routeSinks = new LinkedHashMap<>();
        Map<String, String> mocksByStepId = new LinkedHashMap<>();
        List<ProcessorDefinition<?>> steps = new ArrayList<>();
        steps.addAll(ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ToDefinition.class));
        steps.addAll(ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ToDynamicDefinition.class));
        for (ProcessorDefinition<?> step : steps) {
            String declared = step instanceof ToDefinition to ? to.getEndpointUri() : ((ToDynamicDefinition) step).getUri();
            String uri = camel.resolvePropertyPlaceholders(declared);
            Broker broker = Broker.of(uri.substring(0, Math.max(0, uri.indexOf(':'))));
            if (broker == null) {
                continue;
            }
            String name = step.hasCustomIdAssigned() ? camel.resolvePropertyPlaceholders(step.getId()) : withoutOptions(uri);
            if (sinks.containsKey(name) || routeSinks.containsKey(name)) {
                throw new IllegalStateException("Two sinks are named '" + name + "': give the steps ids");
            }
            int number = sinks.size() + routeSinks.size();
            // Woven by an id of its own: the id a template gives a step is a placeholder until the route is made.
            step.setId("route-test-sink-" + number);
            MockEndpoint mock = camel.getEndpoint(SINK_MOCK + number, MockEndpoint.class);
            routeSinks.put(name, new Sink(name, uri, broker, mock));
            mocksByStepId.put(step.getId(), mock.getEndpointUri());
            endpoints.put(name, uri);
        }
        if (!replaceSource && routeSinks.isEmpty()) {
            return;
        }
        AdviceWith.adviceWith(camel, routeId, false, advice -> {
            if (replaceSource) {
                advice.replaceFromWith(standIn);
            }
            mocksByStepId.forEach((id, mock) -> advice.weaveById(id).replace().to(mock));
        });
        sinks.putAll(routeSinks);
    }

    /**
     * Dead letters go where the policy sends them (interchange.dead-letter.destinations): those endpoints are
     * wrapped so that what is sent to them reaches a mock instead, and their producers are never started.
     */
    private void interceptDeadLetters() {
        DeadLetterPolicy channel = spring.getBean(DeadLetterPolicy.class);
        Set<Endpoint> destinations = new HashSet<>();
        for (RouteDefinition route : camel.getRouteDefinitions()) {
            String uri = channel.destinationOf(route.getRouteId());
            if (uri != null) {
                Endpoint endpoint = camel.getEndpoint(uri);
                if (endpoint instanceof DefaultEndpoint lazy) {
                    lazy.setLazyStartProducer(true);
                }
                destinations.add(endpoint);
            }
        }
        camel.getCamelContextExtension().registerEndpointCallback((uri, endpoint) -> {
            if (!destinations.contains(endpoint)) {
                return endpoint;
            }
            DefaultInterceptSendToEndpoint intercepted = new DefaultInterceptSendToEndpoint(endpoint, true);
            intercepted.setBefore(exchange -> producer.send(DEAD_LETTER_MOCK, exchange));
            return intercepted;
        });
    }

    /** Every source (by route id) and sink (by name) with the URI it declares, placeholders resolved. */
    Map<String, String> endpoints() {
        return endpoints;
    }

    Map<String, Sink> sinks() {
        return sinks;
    }

    List<String> problems() {
        return problems;
    }

    /** Before each case: no messages at the mocks, an empty idempotency store, closed circuit breakers. */
    void reset() {
        MockEndpoint.resetMocks(camel);
        offsets.clear();
        problems.clear();
        spring.getBeansOfType(IdempotentRepository.class).values().forEach(IdempotentRepository::clear);
        camel.getRegistry().findByType(CircuitBreaker.class).forEach(CircuitBreaker::reset);
    }

    /** How a sink (or, named dead-letters, the dead-letter destinations) behaves in the next case. */
    void behave(String name, SinkBehaviour behaviour) {
        MockEndpoint mock;
        Broker broker;
        if (name.equals(RouteTestFile.DEAD_LETTERS)) {
            mock = deadLetters;
            broker = null;
        } else {
            Sink sink = sinks.get(name);
            mock = sink.mock();
            broker = sink.broker();
        }
        if (behaviour.failure() != null && behaviour.failure().kind() == null) {
            try {
                instantiate(behaviour.failure());
            } catch (Exception e) {
                throw new IllegalArgumentException(behaviour.path() + ": cannot make the failure: " + describe(e), e);
            }
        }
        AtomicInteger arrivals = new AtomicInteger();
        mock.whenAnyExchangeReceived(exchange -> {
            int n = arrivals.getAndIncrement();
            if (behaviour.failure() != null) {
                if (behaviour.times() == null || n < behaviour.times()) {
                    throw failure(behaviour.failure(), name, broker, exchange);
                }
                return;
            }
            List<Reply> replies = behaviour.replies();
            Reply reply = behaviour.replyToEach() ? replies.get(0) : n < replies.size() ? replies.get(n) : null;
            if (reply != null) {
                reply(name, n, reply, broker, exchange);
            }
        });
    }

    private void reply(String sink, int n, Reply reply, Broker broker, Exchange request) {
        Map<String, Object> attributes;
        try {
            attributes = broker == null ? Map.of()
                    : SinkMessage.of(wireHeaders(broker, sinks.get(sink).uri(), request), request.getMessage().getBody(byte[].class),
                            broker.binding).event().event().attributes();
        } catch (RuntimeException e) {
            problems.add("sink " + sink + ", message #" + (n + 1) + ": cannot reply (" + reply.path() + "), the request is"
                    + " no CloudEvent: " + e.getMessage());
            return;
        }
        UnaryOperator<String> substitute = text -> {
            Matcher m = REQUEST_ATTRIBUTE.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                Object value = attributes.get(m.group(1));
                if (value == null) {
                    throw new IllegalArgumentException("the request has no attribute '" + m.group(1) + "'");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value.toString()));
            }
            return m.appendTail(out).toString();
        };
        Input input = new Input(reply.path(), reply.to(), reply.message(), null, null, null, 1, false, null, null);
        try {
            Delivery delivery = send(input, 0, substitute);
            if (delivery.failed()) {
                problems.add("sink " + sink + ", message #" + (n + 1) + ": the reply (" + reply.path() + ") to "
                        + reply.to() + " failed: " + describe(delivery.exchange().getException()));
            }
        } catch (RuntimeException e) {
            problems.add("sink " + sink + ", message #" + (n + 1) + ": cannot reply (" + reply.path() + "): " + e.getMessage());
        }
    }

    private static Exception failure(Failure failure, String sink, Broker broker, Exchange exchange) throws Exception {
        if (failure.kind() == null) {
            return instantiate(failure);
        }
        String what = "route test: " + failure.kind() + " of sink " + sink;
        byte[] body = exchange.getMessage().getBody(byte[].class);
        int size = body == null ? 0 : body.length;
        return switch (failure.kind()) {
            case "outage" -> broker == Broker.KAFKA ? new org.apache.kafka.common.errors.TimeoutException(what)
                    : broker == Broker.RABBITMQ ? new RabbitPublishException(what)
                    : broker == Broker.SQS ? new SqsSendException(what, null) : new IOException(what);
            case "too-large" -> new MessageTooLargeException(sink + " (" + what + ")", size, Math.max(0, size - 1));
            case "rejected" -> broker == Broker.KAFKA ? new org.apache.kafka.common.InvalidRecordException(what)
                    : broker == Broker.RABBITMQ ? new UnroutableMessageException(what)
                    : broker == Broker.SQS ? new SqsRejectedException(what, null) : new UnencodableMessageException(what);
            default -> new IllegalStateException(what);
        };
    }

    private static Exception instantiate(Failure failure) throws Exception {
        Class<?> type = Class.forName(failure.exception());
        if (!Exception.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(failure.exception() + " is not an exception");
        }
        List<Object> args = failure.args().isEmpty()
                ? (failure.message() == null ? List.of() : List.of(failure.message())) : failure.args();
        for (Constructor<?> constructor : type.getConstructors()) {
            Class<?>[] parameters = constructor.getParameterTypes();
            boolean withCause = parameters.length == args.size() + 1 && Throwable.class.isAssignableFrom(parameters[args.size()]);
            if (parameters.length != args.size() && !withCause) {
                continue;
            }
            Object[] values = new Object[parameters.length];
            boolean fits = true;
            for (int i = 0; i < args.size() && fits; i++) {
                values[i] = convert(args.get(i), parameters[i]);
                fits = values[i] != null;
            }
            if (fits) {
                return (Exception) constructor.newInstance(values);
            }
        }
        throw new IllegalArgumentException("no constructor of " + failure.exception() + " takes " + args);
    }

    private static Object convert(Object value, Class<?> type) {
        if (type == String.class) {
            return String.valueOf(value);
        }
        if ((type == int.class || type == Integer.class) && value instanceof Integer) {
            return value;
        }
        if ((type == long.class || type == Long.class) && value instanceof Number n) {
            return n.longValue();
        }
        return null;
    }

    /**
     * Sends one copy of an input to its source, as that source's broker would deliver it, and waits until
     * the route is done with it (completed, failed, or handed on asynchronously and then done).
     */
    Delivery send(Input input, int copy, UnaryOperator<String> substitute) {
        Source source = source(input.to());
        MessageFixture.Wire wire = input.message().render(source.broker() == null ? null : source.broker().binding, substitute);
        Exchange exchange = new DefaultExchange(camel, HTTP_SCHEMES.contains(source.scheme())
                ? ExchangePattern.InOut : ExchangePattern.InOnly);
        Message message = exchange.getMessage();
        long offset = offsets.computeIfAbsent(source.routeId(), r -> new AtomicInteger()).getAndIncrement();
        if (source.gatewaySource()) {
            deliverLikeTheSource(source, wire, input, offset, exchange);
        } else {
            message.setBody(wire.body());
            message.getHeaders().putAll(wire.headers());
            if (wire.key() != null) {
                message.setHeader(KafkaConstants.KEY, wire.key());
            }
        }
        if (input.attempt() != null || source.gatewaySource()) {
            message.setHeader(DeadLetterHeaders.DELIVERY_ATTEMPT, input.attempt() == null ? 1 : input.attempt());
        }
        if (input.firstFailureMillis() != null) {
            message.setHeader(DeadLetterHeaders.FIRST_FAILURE, input.firstFailureMillis());
        }
        if (input.unsettled() != null) {
            exchange.setProperty(DeadLetterHeaders.UNSETTLED_ATTEMPTS, input.unsettled());
        }
        return new Delivery(input, copy, producer.send(source.standIn(), exchange));
    }

    /** What interchange-kafka, -rabbitmq and -sqs put on an exchange for a message (see their consumers). */
    private static void deliverLikeTheSource(Source source, MessageFixture.Wire wire, Input input, long offset,
            Exchange exchange) {
        Message message = exchange.getMessage();
        IngressHeaders.Admission admission = source.ingress().admit(message);
        switch (source.broker()) {
            case KAFKA -> {
                message.setBody(wire.body());
                wire.headers().forEach((name, value) -> admission.putText(name, text(value)));
                admission.finish(exchange);
                message.setHeader(KafkaConstants.TOPIC, source.destination());
                message.setHeader(KafkaConstants.PARTITION, 0);
                message.setHeader(KafkaConstants.OFFSET, offset);
                message.setHeader(KafkaConstants.TIMESTAMP, System.currentTimeMillis());
                if (wire.key() != null) {
                    message.setHeader(KafkaConstants.KEY, wire.key());
                }
            }
            case RABBITMQ -> {
                message.setBody(wire.body() == null ? new byte[0] : wire.body());
                String key = wire.key();
                Object contentType = null;
                for (Map.Entry<String, Object> header : wire.headers().entrySet()) {
                    Object value = header.getValue();
                    if (header.getKey().equalsIgnoreCase(Exchange.CONTENT_TYPE)) {
                        contentType = value; // the AMQP content-type property, not a header
                    } else if (header.getKey().equals(BridgeHeaders.AMQP_KEY)) {
                        key = String.valueOf(value);
                    } else if (value instanceof String) {
                        admission.putText(header.getKey(), text(value));
                    } else {
                        admission.put(header.getKey(), value);
                    }
                }
                admission.finish(exchange);
                if (key != null) {
                    message.setHeader(BridgeHeaders.KEY, key);
                }
                if (contentType != null) {
                    message.setHeader(Exchange.CONTENT_TYPE, contentType.toString());
                }
            }
            case SQS -> {
                message.setBody(wire.body() == null ? new byte[0] : wire.body());
                wire.headers().forEach((name, value) -> admission.put(name,
                        value instanceof Integer n ? new java.math.BigDecimal(n) : String.valueOf(value)));
                admission.finish(exchange);
                int attempt = input.attempt() == null ? 1 : input.attempt();
                message.setHeader(SqsHeaders.MESSAGE_ID, "route-test-" + source.routeId() + "-" + offset);
                message.setHeader(SqsHeaders.QUEUE, source.destination());
                message.setHeader(SqsHeaders.APPROXIMATE_RECEIVE_COUNT, attempt);
                message.setHeader(SqsHeaders.SENT_TIMESTAMP, System.currentTimeMillis());
                if (wire.key() != null) {
                    message.setHeader(SqsHeaders.MESSAGE_GROUP_ID, wire.key());
                    message.setHeader(SqsHeaders.KAFKA_KEY, wire.key());
                }
            }
            default -> throw new IllegalStateException(source.broker().name());
        }
    }

    private static byte[] text(Object value) {
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }

    /** The source named by route id or by its endpoint (scheme:path); without a name, the only one. */
    Source source(String name) {
        if (name == null) {
            List<Source> replaced = sources.values().stream().filter(s -> !s.standIn().equals(s.uri())).toList();
            if (replaced.size() != 1) {
                throw new IllegalArgumentException("say which source the message goes to (to): one of " + sourceNames());
            }
            return replaced.get(0);
        }
        Source byRoute = sources.get(name);
        if (byRoute != null) {
            return byRoute;
        }
        List<Source> byEndpoint = sources.values().stream()
                .filter(s -> withoutOptions(s.uri()).equals(withoutOptions(name)) || s.uri().equals(name)).toList();
        if (byEndpoint.size() == 1) {
            return byEndpoint.get(0);
        }
        throw new IllegalArgumentException(byEndpoint.isEmpty() ? "no source is named '" + name + "': the sources are "
                + sourceNames() + " (a route whose precondition is false is not loaded)"
                : "'" + name + "' is the source of several routes: name the route");
    }

    private String sourceNames() {
        List<String> names = new ArrayList<>();
        sources.values().forEach(s -> names.add(s.routeId() + " (" + withoutOptions(s.uri()) + ")"));
        return String.join(", ", names);
    }

    /** The sink named by step id or by its endpoint (scheme:path). */
    Sink sink(String name) {
        Sink sink = sinks.get(name);
        if (sink != null) {
            return sink;
        }
        List<Sink> byEndpoint = sinks.values().stream().filter(s -> withoutOptions(s.uri()).equals(name)).toList();
        if (byEndpoint.size() == 1) {
            return byEndpoint.get(0);
        }
        throw new IllegalArgumentException(byEndpoint.isEmpty() ? "no sink is named '" + name + "': the sinks are "
                + String.join(", ", sinks.keySet()) : "'" + name + "' is written by several steps: name the step id");
    }

    /** The dead letters sent in this case, in order. */
    List<Exchange> deadLetters() {
        return List.copyOf(deadLetters.getReceivedExchanges());
    }

    /** Where a dead letter went: the destination's URI. */
    static String destinationOf(Exchange deadLetter) {
        String uri = deadLetter.getProperty(ExchangePropertyKey.INTERCEPTED_ENDPOINT, String.class);
        return uri == null ? null : uri.replaceFirst("^([^:]+)://", "$1:");
    }

    /**
     * The headers a sink writes for a message, as its broker carries them: on Kafka those camel-kafka's
     * header filter lets through (the bridge allow-list), on RabbitMQ those the sink's allow-list passes plus
     * {@code interchange-key} (and the content-type property as {@code Content-Type}), on SQS the message
     * attributes the sink makes of them (at most 10, names mapped).
     */
    Map<String, Object> wireHeaders(Broker broker, String uri, Exchange exchange) {
        Message message = exchange.getMessage();
        Map<String, Object> wire = new LinkedHashMap<>();
        switch (broker) {
            case KAFKA -> {
                HeaderFilterStrategy filter = camel.getComponent("kafka", KafkaComponent.class).getConfiguration()
                        .getHeaderFilterStrategy();
                message.getHeaders().forEach((name, value) -> {
                    if (value != null && !filter.applyFilterToCamelHeaders(name, value, exchange)) {
                        wire.put(name, value);
                    }
                });
            }
            case RABBITMQ -> {
                HeaderAllowList allowed = spring.getBean(BridgeProperties.class).allowList();
                message.getHeaders().forEach((name, value) -> {
                    if (value != null && (allowed.allows(name) || name.equalsIgnoreCase(Exchange.CONTENT_TYPE))) {
                        wire.put(name, value);
                    }
                });
                Object key = message.getHeader(BridgeHeaders.KEY);
                if (key != null) {
                    wire.put(BridgeHeaders.AMQP_KEY, key.toString());
                }
            }
            case SQS -> wire.putAll(SqsSinkAttributes.of(message.getHeaders(), option(uri, "allowedHeaders")));
            default -> throw new IllegalStateException(broker.name());
        }
        return wire;
    }

    /** What a sink uses as the key: the record key, the AMQP interchange-key, the SQS FIFO message group. */
    static Object keyOf(Broker broker, String uri, Message message) {
        if (broker == Broker.SQS) {
            Object group = message.getHeader(SqsHeaders.MESSAGE_GROUP_ID);
            if (group == null) {
                group = message.getHeader(SqsHeaders.KAFKA_KEY);
            }
            return group != null ? group : option(uri, "messageGroupId");
        }
        return message.getHeader(BridgeHeaders.KEY);
    }

    /**
     * Waits until the sinks and dead letters have at least the messages expected (a saga's compensations
     * and completions arrive after its response) and no exchange is in flight any more.
     */
    void settle(Map<Sink, Integer> expected, int deadLettersExpected) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean arrived = deadLetters.getReceivedCounter() >= deadLettersExpected
                    && expected.entrySet().stream().allMatch(e -> e.getKey().mock().getReceivedCounter() >= e.getValue());
            if (arrived && camel.getInflightRepository().size() == 0) {
                return;
            }
            try {
                Thread.sleep(10); // polling a condition, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static String option(String uri, String name) {
        int query = uri.indexOf('?');
        if (query < 0) {
            return null;
        }
        try {
            Object value = URISupport.parseQuery(uri.substring(query + 1)).get(name);
            return value == null ? null : value.toString();
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    static String withoutOptions(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** An exception and its causes, one line. */
    static String describe(Throwable failure) {
        List<String> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < 5; t = t.getCause()) {
            String line = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
            if (chain.isEmpty() || !chain.get(chain.size() - 1).contains(String.valueOf(t.getMessage()))) {
                chain.add(line);
            }
        }
        return String.join(" <- ", chain);
    }

    /** Every text of an exception's chain, for matching {@code error:}. */
    static Collection<String> messages(Throwable failure) {
        List<String> texts = new ArrayList<>();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            texts.add(t.getClass().getName() + ": " + t.getMessage());
        }
        return texts;
    }

    @Override
    public void close() {
        spring.close();
    }
}

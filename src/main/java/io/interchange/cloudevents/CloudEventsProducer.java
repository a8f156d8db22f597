package io.interchange.cloudevents;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultProducer;

import io.interchange.bridge.BridgeHeaders;
import io.interchange.observability.TraceContext;
import io.interchange.security.IngressHeaders;

/**
 * Runs one CloudEvents step on the exchange in place. A step that finds the event invalid throws
 * {@link InvalidCloudEventException} before it changes the message, so a dead-letter handler gets
 * the message as it arrived.
 */
public class CloudEventsProducer extends DefaultProducer {

    /** Exchange property: the {@link ContentMode} the event was read or wrapped in. */
    public static final String MODE_PROPERTY = "InterchangeCloudEventMode";
    /** Exchange property: a structured event had JSON data and no datacontenttype. */
    static final String IMPLIED_JSON_PROPERTY = "InterchangeCloudEventImpliedJson";
    static final String VALIDATED_PROPERTY = "InterchangeCloudEventValidated";

    private final CloudEventsEndpoint endpoint;
    private final CloudEventCodec codec;
    private final Map<String, Expression> wrapExpressions = new LinkedHashMap<>();
    private HeaderBinding binding;
    private ContentMode mode;

    public CloudEventsProducer(CloudEventsEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
        this.codec = endpoint.getComponent().codec();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        // Parsed once here rather than per message (the endpoint checked them when it was made).
        binding = endpoint.headerBinding();
        mode = endpoint.contentMode();
        if (endpoint.getOperation() == CloudEventsEndpoint.Operation.WRAP) {
            compile(CloudEventAttributes.SOURCE, endpoint.getSource());
            compile(CloudEventAttributes.TYPE, endpoint.getType());
            compile(CloudEventAttributes.SUBJECT, endpoint.getSubject());
            compile(CloudEventAttributes.DATASCHEMA, endpoint.getDataschema());
            compile(CloudEventAttributes.DATACONTENTTYPE, endpoint.getDatacontenttype());
            compile(CloudEventAttributes.PARTITIONKEY, endpoint.getPartitionkey());
        }
    }

    /** Expressions come only from the route definition; no attribute value is ever evaluated. */
    private void compile(String attribute, String definition) {
        if (definition == null || definition.isEmpty()) {
            return;
        }
        Expression expression;
        if (definition.startsWith("jsonpath:")) {
            expression = getEndpoint().getCamelContext().resolveLanguage("jsonpath")
                    .createExpression(definition.substring("jsonpath:".length()));
        } else if (definition.contains("${")) {
            expression = getEndpoint().getCamelContext().resolveLanguage("simple").createExpression(definition);
        } else {
            expression = new org.apache.camel.support.ExpressionAdapter() {
                @Override
                public Object evaluate(Exchange exchange) {
                    return definition;
                }
            };
        }
        expression.init(getEndpoint().getCamelContext());
        wrapExpressions.put(attribute, expression);
    }

    @Override
    public void process(Exchange exchange) {
        switch (endpoint.getOperation()) {
            case WRAP -> wrap(exchange);
            case READ -> read(exchange);
            case WRITE -> write(exchange);
        }
    }

    private void wrap(Exchange exchange) {
        Message message = exchange.getMessage();
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(CloudEventAttributes.SPECVERSION, CloudEventAttributes.SPEC_VERSION_1_0);
        String upstreamId = endpoint.getIdHeader() == null ? null : message.getHeader(endpoint.getIdHeader(), String.class);
        attributes.put(CloudEventAttributes.ID, upstreamId != null && !upstreamId.isEmpty() ? upstreamId
                : UUID.randomUUID().toString());
        attributes.put(CloudEventAttributes.SOURCE, evaluate(exchange, CloudEventAttributes.SOURCE));
        attributes.put(CloudEventAttributes.TYPE, evaluate(exchange, CloudEventAttributes.TYPE));
        String contentType = evaluate(exchange, CloudEventAttributes.DATACONTENTTYPE);
        if (contentType == null) {
            contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
        }
        putIfSet(attributes, CloudEventAttributes.DATACONTENTTYPE, contentType);
        putIfSet(attributes, CloudEventAttributes.DATASCHEMA, evaluate(exchange, CloudEventAttributes.DATASCHEMA));
        putIfSet(attributes, CloudEventAttributes.SUBJECT, evaluate(exchange, CloudEventAttributes.SUBJECT));
        attributes.put(CloudEventAttributes.TIME, Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        String correlation = message.getHeader(CloudEventAttributes.header(CloudEventAttributes.CORRELATIONID), String.class);
        if (correlation == null && endpoint.getCorrelationIdHeader() != null) {
            correlation = message.getHeader(endpoint.getCorrelationIdHeader(), String.class);
        }
        attributes.put(CloudEventAttributes.CORRELATIONID, correlation != null && !correlation.isEmpty() ? correlation
                : UUID.randomUUID().toString());
        // W3C trace context of the current trace, as tracing instrumentation propagates it in headers.
        putIfSet(attributes, CloudEventAttributes.TRACEPARENT, message.getHeader(CloudEventAttributes.TRACEPARENT, String.class));
        putIfSet(attributes, CloudEventAttributes.TRACESTATE, message.getHeader(CloudEventAttributes.TRACESTATE, String.class));
        putIfSet(attributes, CloudEventAttributes.PARTITIONKEY, evaluate(exchange, CloudEventAttributes.PARTITIONKEY));
        EventEnvelope event = codec.validator().requireValid(new EventEnvelope(attributes, body(message)));
        setNeutral(message, event);
        exchange.setProperty(MODE_PROPERTY, ContentMode.BINARY);
    }

    private String evaluate(Exchange exchange, String attribute) {
        Expression expression = wrapExpressions.get(attribute);
        return expression == null ? null : expression.evaluate(exchange, String.class);
    }

    private static void putIfSet(Map<String, Object> attributes, String name, String value) {
        if (value != null) {
            attributes.put(name, value);
        }
    }

    private void read(Exchange exchange) {
        Message message = exchange.getMessage();
        CloudEventCodec.Read read = codec.read(message.getHeaders(), body(message), binding,
                IngressHeaders.problems(exchange));
        // The SQS source's receive bookkeeping (sqs.*: message id, receive count, ...) is not part of the event:
        // it goes with the binding headers, in the same pass.
        removeHeaders(message, binding == HeaderBinding.SQS
                ? h -> CloudEventCodec.isBindingHeader(h) || isSqsBookkeeping(h) : CloudEventCodec::isBindingHeader);
        setNeutral(message, read.event());
        exchange.setProperty(MODE_PROPERTY, read.mode());
        exchange.setProperty(IMPLIED_JSON_PROPERTY, read.impliedJson());
    }

    private void write(Exchange exchange) {
        Message message = exchange.getMessage();
        EventEnvelope validated = unchangedSinceValidated(exchange, message);
        EventEnvelope event = startingTrace(validated != null ? validated : neutral(message), message);
        // On SQS the hop's trace context (traceparent, tracestate) takes message attributes of the ten as well.
        int traceAttributes = binding == HeaderBinding.SQS ? traceHeaders(message) : 0;
        CloudEventCodec.Written written = codec.write(event, binding, mode,
                Boolean.TRUE.equals(exchange.getProperty(IMPLIED_JSON_PROPERTY, Boolean.class)),
                endpoint.getMaxMessageAttributes() - traceAttributes, event != validated);
        removeHeaders(message, h -> CloudEventAttributes.isAttributeHeader(h) || CloudEventCodec.isBindingHeader(h));
        message.getHeaders().putAll(written.headers());
        message.setBody(written.body());
        exchange.setProperty(BridgeHeaders.EVENT_IDENTITY, identity(event));
        if (binding == HeaderBinding.KAFKA && endpoint.isKeyFromPartitionKey()) {
            Object partitionKey = event.attributes().get(CloudEventAttributes.PARTITIONKEY);
            if (partitionKey != null) {
                message.setHeader(KafkaConstants.KEY, partitionKey.toString());
            }
        }
    }

    /**
     * The CloudEvents distributed-tracing extension carries the trace context of the transmission's start: an
     * event that has none gets the one of this hop (the trace context header, the gateway's span when tracing is
     * on, else what the producer sent), and keeps it on every later hop, where the protocol headers carry each
     * hop's own.
     */
    static EventEnvelope startingTrace(EventEnvelope event, Message message) {
        if (event.attributes().containsKey(CloudEventAttributes.TRACEPARENT)) {
            return event;
        }
        String traceparent = message.getHeader(TraceContext.TRACEPARENT, String.class);
        if (!TraceContext.isValid(traceparent)) {
            return event;
        }
        EventEnvelope traced = event.withAttribute(CloudEventAttributes.TRACEPARENT, traceparent);
        String tracestate = message.getHeader(TraceContext.TRACESTATE, String.class);
        return tracestate == null || tracestate.isBlank() ? traced
                : traced.withAttribute(CloudEventAttributes.TRACESTATE, tracestate);
    }

    private static int traceHeaders(Message message) {
        int count = 0;
        for (String header : new String[] {TraceContext.TRACEPARENT, TraceContext.TRACESTATE}) {
            Object value = message.getHeader(header);
            if (value != null && !value.toString().isEmpty()) {
                count++;
            }
        }
        return count;
    }

    /** The event the neutral headers and the body describe. */
    static EventEnvelope neutral(Message message) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        message.getHeaders().forEach((name, value) -> {
            String attribute = CloudEventAttributes.attributeOfHeader(name);
            if (attribute != null && value != null) {
                attributes.put(attribute, HeaderBinding.attributeValue(value));
            }
        });
        return new EventEnvelope(HeaderBinding.ordered(attributes), body(message));
    }

    static void setNeutral(Message message, EventEnvelope event) {
        removeHeaders(message, CloudEventAttributes::isAttributeHeader);
        event.attributes().forEach((name, value) -> message.setHeader(CloudEventAttributes.header(name), value));
        message.setBody(event.data());
        message.getExchange().setProperty(BridgeHeaders.EVENT_IDENTITY, identity(event));
        message.getExchange().setProperty(VALIDATED_PROPERTY, event);
    }

    /**
     * The event a read or wrap step validated, if the message still carries exactly it: every attribute header
     * holds the very value that step set, no attribute header was added or removed, the body is the same array.
     * A write step then skips rebuilding and validating it again. Any change a route made (a header set, even to
     * an equal value, a new body) takes the full path.
     */
    static EventEnvelope unchangedSinceValidated(Exchange exchange, Message message) {
        if (!(exchange.getProperty(VALIDATED_PROPERTY) instanceof EventEnvelope event)) {
            return null;
        }
        Object body = message.getBody();
        if (event.data() == null ? body != null && !(body instanceof byte[] bytes && bytes.length == 0)
                : body != event.data()) {
            return null;
        }
        Map<String, Object> headers = message.getHeaders();
        int attributeHeaders = 0;
        for (String header : headers.keySet()) {
            if (CloudEventAttributes.isAttributeHeader(header)) {
                attributeHeaders++;
            }
        }
        if (attributeHeaders != event.attributes().size()) {
            return null;
        }
        for (Map.Entry<String, Object> attribute : event.attributes().entrySet()) {
            if (headers.get(CloudEventAttributes.header(attribute.getKey())) != attribute.getValue()) {
                return null;
            }
        }
        return event;
    }

    private static String identity(EventEnvelope event) {
        return event.attributes().get(CloudEventAttributes.SOURCE) + "\n" + event.attributes().get(CloudEventAttributes.ID);
    }

    private static boolean isSqsBookkeeping(String header) {
        return header.regionMatches(true, 0, "sqs.", 0, 4);
    }

    private static byte[] body(Message message) {
        byte[] body = message.getBody(byte[].class);
        return body == null || body.length == 0 ? null : body;
    }

    private static void removeHeaders(Message message, java.util.function.Predicate<String> which) {
        // one pass with the iterator's remove, instead of a copy of the names and a look-up per removal
        message.getHeaders().keySet().removeIf(which);
    }
}

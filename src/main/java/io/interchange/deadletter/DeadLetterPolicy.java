package io.interchange.deadletter;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.util.URISupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;

import io.interchange.bridge.UndeliverableException;
import io.interchange.bridge.rabbitmq.RabbitPublishException;
import io.interchange.bridge.sqs.SqsEndpoint;
import io.interchange.bridge.sqs.SqsHeaders;
import io.interchange.bridge.sqs.SqsSendException;
import io.interchange.cloudevents.CloudEventAttributes;
import io.interchange.cloudevents.InvalidCloudEventException;
import io.interchange.idempotency.IdempotencyStoreException;
import io.interchange.idempotency.KeyInProgressException;
import io.interchange.observability.TraceContext;
import io.interchange.security.ControlHeaders;
import io.interchange.security.HeaderAllowList;

/**
 * The dead-letter policy of every bridge route (applied by the route configuration
 * {@code dead-letter} in routes/dead-letter.yaml). It tells three kinds of failure apart:
 * <ul>
 * <li>permanent ({@link UndeliverableException}: too large, not encodable for the sink, not a valid
 * CloudEvent (its violations go along in {@code interchange-ce-violations}), unroutable; Kafka's
 * RecordTooLargeException and serialization errors, parse errors): dead-lettered at once;</li>
 * <li>broker outages (connection, timeout, nack, Kafka's retriable errors, AWS client errors) and the
 * idempotency store being unreachable or the event being processed elsewhere right now: never
 * dead-lettered, the source delivers the message again until the sink is back;</li>
 * <li>anything else: dead-lettered once the message failed {@code interchange.dead-letter.max-attempts}
 * times.</li>
 * </ul>
 * A dead letter is the original body and headers plus the reason, the exception, the route id, the attempt
 * count, the times and where the original is. It is shaped to fit its destination before it is sent: on SQS
 * (10 attributes, text bodies) the dead-letter headers travel as one JSON attribute and a body that is not
 * text as base64; a dead letter larger than the destination takes is written truncated (the first bytes of
 * the body, the original size and SHA-256, the headers that fit). It is confirmed before the source is
 * acknowledged. If the destination refuses it whole it is sent truncated; if it cannot be written at all the
 * exchange fails, so the source pauses and delivers the message again (never skipping it), and
 * {@code interchange_dead_letters_failed_total} counts it.
 */
@Component("deadLetter")
public class DeadLetterPolicy implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPolicy.class);

    /** Longest reason or violation list carried; a failure's message can be as large as the input that caused it. */
    private static final int MAX_REASON_CHARS = 4096;
    /** Body bytes a truncated dead letter keeps, at most. */
    private static final int TRUNCATED_BODY_BYTES = 64 * 1024;
    /** A truncated dead letter keeps original headers up to this size each. */
    private static final int TRUNCATED_HEADER_BYTES = 1024;
    /** Room kept for what a broker adds per message (record and frame overheads). */
    private static final int OVERHEAD_BYTES = 2048;

    private final DeadLetterProperties properties;
    private final ProducerTemplate producer;
    private final MeterRegistry meters;
    private final Map<String, DeadLetterDestination> destinations = new ConcurrentHashMap<>();
    private final ObjectMapper json = new ObjectMapper();

    public DeadLetterPolicy(DeadLetterProperties properties, ProducerTemplate producer, MeterRegistry meters) {
        this.properties = properties;
        this.producer = producer;
        this.meters = meters;
    }

    /** The onWhen of the route configuration: should this failure go to the dead-letter destination now? */
    public boolean shouldDeadLetter(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (isPermanent(failure)) {
            return true;
        }
        if (isOutage(failure)) {
            return false;
        }
        return attempt(exchange) >= properties.maxAttempts();
    }

    /** Failures that the same message meets again every time: retrying cannot help. */
    static boolean isPermanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // Kafka's exceptions by class, not by name, so that a wrong package fails the build.
            if (t instanceof UndeliverableException || t instanceof CharacterCodingException
                    || t instanceof JacksonException
                    || t instanceof org.apache.camel.NoTypeConversionAvailableException
                    || t instanceof org.apache.kafka.common.errors.RecordTooLargeException
                    || t instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                    || t instanceof org.apache.kafka.common.InvalidRecordException
                    || t instanceof org.apache.kafka.common.errors.SerializationException) {
                return true;
            }
        }
        return false;
    }

    static boolean isOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (t instanceof RabbitPublishException || t instanceof SqsSendException || t instanceof IOException
                    || t instanceof KeyInProgressException || t instanceof IdempotencyStoreException
                    || t instanceof DeadLetterUnavailableException
                    || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof org.apache.kafka.common.errors.RetriableException
                    || name.equals("software.amazon.awssdk.core.exception.SdkClientException")
                    || name.equals("software.amazon.awssdk.core.exception.ApiCallTimeoutException")) {
                return true;
            }
        }
        return false;
    }

    private static int attempt(Exchange exchange) {
        Integer attempt = exchange.getMessage().getHeader(DeadLetterHeaders.DELIVERY_ATTEMPT, Integer.class);
        return attempt == null ? 1 : attempt;
    }

    /** The destination of a route's dead letters, or null when it has none. */
    public String destinationOf(String route) {
        return properties.destinations().get(route);
    }

    /** What a route's destination takes; resolved once. */
    DeadLetterDestination destination(Exchange exchange, String route, String uri) {
        return destinations.computeIfAbsent(route,
                r -> DeadLetterDestination.of(uri, exchange.getContext().getEndpoint(uri)));
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String route = exchange.getFromRouteId();
        String uri = properties.destinations().get(route);
        if (uri == null) {
            throw new DeadLetterUnavailableException("Route '" + route + "' has no dead-letter destination: set"
                    + " interchange.dead-letter.destinations." + route, null);
        }
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        DeadLetterDestination destination = destination(exchange, route, uri);
        Map<String, String> metadata = metadata(exchange, route, failure);

        Exchange whole = letter(exchange, metadata, destination, false);
        boolean truncated = whole == null;
        Exchange sent = producer.send(uri, truncated ? letter(exchange, metadata, destination, true) : whole);
        if (sent.getException() != null && !truncated && isPermanent(sent.getException())) {
            LOG.warn("Route '{}': the dead-letter destination refused the dead letter whole ({}); writing it truncated",
                    route, sent.getException().getMessage());
            truncated = true;
            sent = producer.send(uri, letter(exchange, metadata, destination, true));
        }
        if (sent.getException() != null) {
            meters.counter("interchange.dead.letters.failed", "routeId", route).increment();
            LOG.error("Route '{}': dead-letter destination '{}' did not take the dead letter ({}); the source pauses"
                    + " and delivers the message again", route, URISupport.sanitizeUri(uri),
                    sent.getException().getMessage());
            throw new DeadLetterUnavailableException("Dead-letter destination of route '" + route
                    + "' did not take the dead letter: " + sent.getException().getMessage(), sent.getException());
        }
        meters.counter("interchange.dead.letters", "routeId", route, "exception",
                failure == null ? "unknown" : failure.getClass().getSimpleName()).increment();
        LOG.warn("Route '{}' dead-lettered a message to '{}'{}: {}{}", route, URISupport.sanitizeUri(uri),
                truncated ? " truncated" : "", metadata.get(DeadLetterHeaders.REASON), TraceContext.logSuffix(exchange));
        if (truncated) {
            meters.counter("interchange.dead.letters.truncated", "routeId", route).increment();
        }
    }

    private Map<String, String> metadata(Exchange exchange, String route, Throwable failure) {
        Message message = exchange.getMessage();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(DeadLetterHeaders.REASON, failure == null ? "unknown" : shorten(String.valueOf(failure.getMessage())));
        metadata.put(DeadLetterHeaders.EXCEPTION, failure == null ? "unknown" : failure.getClass().getName());
        metadata.put(DeadLetterHeaders.ROUTE, route);
        metadata.put(DeadLetterHeaders.ATTEMPTS, String.valueOf(attempt(exchange)));
        Instant now = Instant.now();
        metadata.put(DeadLetterHeaders.TIME, now.toString());
        Long firstFailure = message.getHeader(DeadLetterHeaders.FIRST_FAILURE, Long.class);
        if (firstFailure != null) {
            metadata.put(DeadLetterHeaders.FIRST_FAILURE_TIME, Instant.ofEpochMilli(firstFailure).toString());
        } else if (attempt(exchange) == 1) {
            metadata.put(DeadLetterHeaders.FIRST_FAILURE_TIME, now.toString());
        }
        metadata.put(DeadLetterHeaders.ORIGINAL_LOCATION, location(exchange));
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidCloudEventException invalid) {
                metadata.put(CloudEventAttributes.VIOLATIONS_HEADER, shorten(invalid.getViolationSummary()));
            }
        }
        return metadata;
    }

    /** Where the original message is kept (Kafka) or was taken from (queues, which drop it once it is dead-lettered). */
    private static String location(Exchange exchange) {
        Message message = exchange.getMessage();
        Object topic = message.getHeader(KafkaConstants.TOPIC);
        Object offset = message.getHeader(KafkaConstants.OFFSET);
        if (topic != null && offset != null) {
            return "kafka:" + topic + "/" + message.getHeader(KafkaConstants.PARTITION) + "@" + offset;
        }
        Object queue = message.getHeader(SqsHeaders.QUEUE);
        if (queue != null) {
            return "sqs:" + queue + " message " + message.getHeader(SqsHeaders.MESSAGE_ID) + " (deleted once dead-lettered)";
        }
        String from = exchange.getFromEndpoint() == null ? "unknown" : URISupport.sanitizeUri(exchange.getFromEndpoint().getEndpointUri());
        return from + " (acknowledged once dead-lettered)";
    }

    /**
     * The dead letter as the destination takes it, or null when it does not fit whole and {@code truncate} is
     * false.
     */
    private Exchange letter(Exchange exchange, Map<String, String> metadata, DeadLetterDestination destination,
            boolean truncate) throws JsonProcessingException {
        Exchange copy = exchange.copy();
        copy.setException(null);
        copy.removeProperty(Exchange.EXCEPTION_CAUGHT);
        Message message = copy.getMessage();
        // The original's own dead-letter headers (a replayed event that failed again) give way to this failure's.
        message.getHeaders().keySet().removeIf(h -> DeadLetterHeaders.ALL.contains(h)
                || h.equalsIgnoreCase(DeadLetterHeaders.SQS_ATTRIBUTE)
                || h.equalsIgnoreCase(CloudEventAttributes.VIOLATIONS_HEADER));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        byte[] body = message.getBody(byte[].class);
        if (body == null) {
            body = new byte[0];
        }
        if (truncate) {
            meta.put(DeadLetterHeaders.TRUNCATED, "true");
            meta.put(DeadLetterHeaders.ORIGINAL_SIZE, String.valueOf(body.length));
            meta.put(DeadLetterHeaders.ORIGINAL_SHA256, sha256(body));
            List<String> dropped = dropLargeHeaders(message, Math.min(destination.maxHeaderBytes(), destination.maxBytes()) / 4);
            if (!dropped.isEmpty()) {
                meta.put(DeadLetterHeaders.DROPPED_HEADERS, shorten(String.join(",", dropped)));
            }
            body = prefix(body, Math.min(TRUNCATED_BODY_BYTES, destination.maxBytes() / 4));
        }
        if (destination.kind() == DeadLetterDestination.Kind.SQS) {
            if (!isSqsText(body)) {
                body = Base64.getEncoder().encode(body);
                meta.put(DeadLetterHeaders.BODY_ENCODING, "base64");
            }
            if (body.length == 0) {
                // SQS takes no empty body; the attribute says what the dead letter is
                body = "(empty)".getBytes(StandardCharsets.UTF_8);
            }
            collapseForSqs(copy, meta, destination);
        } else {
            meta.forEach(message::setHeader);
        }
        message.setBody(body);
        if (!truncate && (size(message) + OVERHEAD_BYTES > destination.maxBytes()
                || headerSize(message) > destination.maxHeaderBytes())) {
            return null;
        }
        return copy;
    }

    /** SQS: one JSON attribute with every dead-letter header, and the original attributes that do not fit beside it. */
    private void collapseForSqs(Exchange copy, Map<String, String> meta, DeadLetterDestination destination)
            throws JsonProcessingException {
        Message message = copy.getMessage();
        HeaderAllowList carried = sqsAllowList(copy, destination);
        List<String> names = message.getHeaders().keySet().stream()
                .filter(n -> carried.allows(n) && !ControlHeaders.isControl(n)).sorted().toList();
        Map<String, Object> document = new LinkedHashMap<>();
        meta.forEach((name, value) -> document.put(name.replaceFirst("^interchange-(dlq-)?", ""), value));
        if (names.size() > 9) {
            Map<String, String> rest = new LinkedHashMap<>();
            for (String name : names.subList(9, names.size())) {
                Object value = message.removeHeader(name);
                rest.put(name, value instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : String.valueOf(value));
            }
            document.put("headers", rest);
        }
        message.setHeader(DeadLetterHeaders.SQS_ATTRIBUTE, json.writeValueAsString(document));
        if (destination.fifo()) {
            if (message.getHeader(SqsHeaders.MESSAGE_GROUP_ID) == null && message.getHeader(KafkaConstants.KEY) == null) {
                message.setHeader(SqsHeaders.MESSAGE_GROUP_ID, meta.get(DeadLetterHeaders.ROUTE));
            }
            // One dead letter per source message: a dead letter sent twice (a crash before the ack) is one.
            message.setHeader(SqsHeaders.MESSAGE_DEDUPLICATION_ID, sha256(("dead-letter\n" + meta.get(DeadLetterHeaders.ROUTE)
                    + "\n" + meta.get(DeadLetterHeaders.ORIGINAL_LOCATION) + "\n" + copy.getExchangeId())
                    .getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static HeaderAllowList sqsAllowList(Exchange copy, DeadLetterDestination destination) {
        org.apache.camel.Endpoint endpoint = DeadLetterDestination.unwrap(copy.getContext().getEndpoint(destination.uri()));
        return HeaderAllowList.parse(endpoint instanceof SqsEndpoint sqs ? sqs.getAllowedHeaders() : HeaderAllowList.DEFAULT);
    }

    /** Drops every header over the per-header size, and the rest once the budget is spent; names=sizes of those dropped. */
    private static List<String> dropLargeHeaders(Message message, int budget) {
        List<String> dropped = new ArrayList<>();
        int used = 0;
        for (Map.Entry<String, Object> header : new ArrayList<>(message.getHeaders().entrySet())) {
            int size = bytes(header.getKey()) + valueSize(header.getValue());
            if (size > TRUNCATED_HEADER_BYTES || used + size > budget) {
                message.removeHeader(header.getKey());
                dropped.add(header.getKey() + "=" + valueSize(header.getValue()));
            } else {
                used += size;
            }
        }
        return dropped;
    }

    private static int size(Message message) {
        byte[] body = message.getBody(byte[].class);
        return (body == null ? 0 : body.length) + headerSize(message);
    }

    private static int headerSize(Message message) {
        int size = 0;
        for (Map.Entry<String, Object> header : message.getHeaders().entrySet()) {
            size += bytes(header.getKey()) + valueSize(header.getValue());
        }
        return size;
    }

    private static int valueSize(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes.length;
        }
        return value == null ? 0 : bytes(value.toString());
    }

    private static int bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The first bytes of a body, cut at a character boundary when the body is UTF-8 text. */
    private static byte[] prefix(byte[] body, int max) {
        if (body.length <= max) {
            return body;
        }
        int end = Math.max(0, max);
        if (utf8(body).isPresent()) {
            while (end > 0 && (body[end] & 0xC0) == 0x80) {
                end--;
            }
        }
        return Arrays.copyOf(body, end);
    }

    /** SQS bodies are XML 1.0 text: UTF-8 without C0 controls other than tab, line feed and carriage return. */
    static boolean isSqsText(byte[] body) {
        Optional<String> text = utf8(body);
        return text.isPresent() && text.get().chars().noneMatch(c -> c < 0x20 && c != '\t' && c != '\n' && c != '\r'
                || c == 0xFFFE || c == 0xFFFF);
    }

    private static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static String shorten(String text) {
        return text.length() <= MAX_REASON_CHARS ? text
                : text.substring(0, MAX_REASON_CHARS) + "...(" + text.length() + " characters)";
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

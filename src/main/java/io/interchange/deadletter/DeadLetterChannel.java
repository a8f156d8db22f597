package io.interchange.deadletter;

import java.io.IOException;
import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.MeterRegistry;

import io.interchange.bridge.UndeliverableException;
import io.interchange.bridge.rabbitmq.RabbitPublishException;
import io.interchange.cloudevents.CloudEventAttributes;
import io.interchange.cloudevents.InvalidCloudEventException;
import io.interchange.idempotency.IdempotencyStoreException;
import io.interchange.idempotency.KeyInProgressException;

/**
 * The dead-letter policy of every bridge route (applied by the route configuration
 * {@code dead-letter} in routes/dead-letter.yaml). It tells three kinds of failure apart:
 * <ul>
 * <li>permanent ({@link UndeliverableException}: too large, not a valid CloudEvent (its
 * violations go along in {@code interchange-ce-violations}), unroutable; Kafka's
 * RecordTooLargeException): dead-lettered at once;</li>
 * <li>broker outages (connection, timeout, nack, Kafka's retriable errors, AWS client errors) and the
 * idempotency store being unreachable or the event being processed elsewhere right now: never
 * dead-lettered, the source delivers the message again until the sink is back;</li>
 * <li>anything else: dead-lettered once the message failed {@code interchange.dead-letter.max-attempts}
 * times.</li>
 * </ul>
 * A dead-lettered message keeps its original body and headers and gains the reason, the exception,
 * the route id, the attempt count and the time. It is sent to the route's destination and confirmed
 * before the source is acknowledged; if that send fails, the source delivers the message again.
 */
@Component("deadLetter")
public class DeadLetterChannel implements Processor {

    private final DeadLetterProperties properties;
    private final ProducerTemplate producer;
    private final MeterRegistry meters;

    public DeadLetterChannel(DeadLetterProperties properties, ProducerTemplate producer, MeterRegistry meters) {
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

    static boolean isPermanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UndeliverableException
                    || t.getClass().getName().equals("org.apache.kafka.common.errors.RecordTooLargeException")) {
                return true;
            }
        }
        return false;
    }

    static boolean isOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (t instanceof RabbitPublishException || t instanceof IOException
                    || t instanceof KeyInProgressException || t instanceof IdempotencyStoreException
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

    @Override
    public void process(Exchange exchange) throws Exception {
        String route = exchange.getFromRouteId();
        String destination = properties.destinations().get(route);
        if (destination == null) {
            throw new IllegalStateException("Route '" + route + "' has no dead-letter destination: set"
                    + " interchange.dead-letter.destinations." + route);
        }
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Message message = exchange.getMessage();
        message.setHeader(DeadLetterHeaders.REASON, failure == null ? "unknown" : String.valueOf(failure.getMessage()));
        message.setHeader(DeadLetterHeaders.EXCEPTION, failure == null ? "unknown" : failure.getClass().getName());
        message.setHeader(DeadLetterHeaders.ROUTE, route);
        message.setHeader(DeadLetterHeaders.ATTEMPTS, String.valueOf(attempt(exchange)));
        Instant now = Instant.now();
        message.setHeader(DeadLetterHeaders.TIME, now.toString());
        Long firstFailure = message.getHeader(DeadLetterHeaders.FIRST_FAILURE, Long.class);
        if (firstFailure != null) {
            message.setHeader(DeadLetterHeaders.FIRST_FAILURE_TIME, Instant.ofEpochMilli(firstFailure).toString());
        } else if (attempt(exchange) == 1) {
            message.setHeader(DeadLetterHeaders.FIRST_FAILURE_TIME, now.toString());
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidCloudEventException invalid) {
                message.setHeader(CloudEventAttributes.VIOLATIONS_HEADER, invalid.getViolationSummary());
            }
        }
        Exchange copy = exchange.copy();
        copy.setException(null);
        copy.removeProperty(Exchange.EXCEPTION_CAUGHT);
        Exchange sent = producer.send(destination, copy);
        if (sent.getException() != null) {
            throw sent.getException();
        }
        meters.counter("interchange.dead.letters", "routeId", route, "exception",
                failure == null ? "unknown" : failure.getClass().getSimpleName()).increment();
    }
}

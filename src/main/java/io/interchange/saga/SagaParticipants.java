package io.interchange.saga;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Request/reply with the saga participants over the brokers. A call publishes a request CloudEvent
 * through the route {@code direct:saga-request-<participant>} (which writes it in the broker's binding
 * and publishes it, see routes/order-saga.yaml) and waits, up to the participant's call timeout, for the
 * reply whose {@code correlationid} is the request's id; the reply routes hand replies to
 * {@link #onReply}. A reply nobody waits for (a duplicate, a late one) is counted and dropped.
 *
 * <p>Replies carry JSON data {@code {"outcome": "done" | "failed" | "compensated" | "nothing-to-compensate"
 * | "completed", "reason": "..."}}. Requests carry the order as data and the LRA id as the {@code sagaid}
 * extension, so a participant can make every action idempotent per saga.
 *
 * <p>Replies are read from one reply queue or topic per broker, shared by the replicas: a reply read by a replica
 * that does not wait for it is passed on to the others through the saga store's database ({@link SagaReplyRelay},
 * {@code interchange.saga.store=jdbc}); with the memory store there is one replica and such a reply is dropped.
 */
@Component("sagaParticipants")
@ConditionalOnProperty(name = "interchange.saga.enabled", havingValue = "true")
public class SagaParticipants {

    private static final Logger LOG = LoggerFactory.getLogger(SagaParticipants.class);
    public static final String SOURCE = "/interchange/order-saga";

    private final CamelContext camelContext;
    private final SagaProperties properties;
    private final SagaLedger ledger;
    private final SagaCallbackVerifier verifier;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final SagaReplyRelay relay;
    private ProducerTemplate producer;

    public SagaParticipants(CamelContext camelContext, SagaProperties properties, SagaLedger ledger,
            SagaCallbackVerifier verifier, ObjectProvider<SagaReplyRelay> relay) {
        this.camelContext = camelContext;
        this.properties = properties;
        this.ledger = ledger;
        this.verifier = verifier;
        this.relay = relay.getIfAvailable();
        if (this.relay != null) {
            this.relay.start(this::relayed);
        }
    }

    /** The reply of a participant. */
    public record Reply(String outcome, String reason) {
    }

    /** Starts tracking the saga that the exchange's saga EIP just began. */
    public void started(Exchange exchange) {
        String sagaId = sagaId(exchange);
        exchange.setProperty("sagaId", sagaId);
        ledger.started(sagaId, exchange.getProperty("orderId", String.class));
    }

    /** A saga step: the participant's action, failing the exchange (so the saga compensates) unless it was done. */
    public void call(Exchange exchange, String participant, String action) {
        String sagaId = sagaId(exchange);
        String orderId = exchange.getProperty("orderId", String.class);
        ledger.stepStarted(sagaId, participant, participant, action);
        try {
            Reply reply = request(sagaId, orderId, participant, action, exchange.getProperty("order", String.class));
            if (!"done".equals(reply.outcome())) {
                throw new ParticipantFailedException(participant, action,
                        reply.reason() != null ? reply.reason() : reply.outcome());
            }
            ledger.stepEnded(sagaId, participant, null);
        } catch (RuntimeException e) {
            ledger.stepEnded(sagaId, participant, e.getMessage());
            throw e;
        }
    }

    /** A compensation callback of the coordinator; a repeated one does nothing. */
    public void compensate(Exchange exchange, String participant, String action) {
        if (callback(exchange, participant, action, "compensation")) {
            exchange.getMessage().setBody("Compensated");
        }
    }

    /** A completion callback of the coordinator; a repeated one does nothing. */
    public void complete(Exchange exchange, String participant, String action) {
        if (callback(exchange, participant, action, "completion")) {
            exchange.getMessage().setBody("Completed");
        }
    }

    /** False if the callback was refused (the answer is set): the coordinator did not confirm it. */
    private boolean callback(Exchange exchange, String participant, String action, String kind) {
        String sagaId = sagaId(exchange);
        // Before the ledger, the participants or a broker see anything: the callback may be forged.
        SagaCallbackVerifier.Verdict verdict = verifier.verify(sagaId, kind);
        if (!verdict.allowed()) {
            exchange.getMessage().setHeaders(new HashMap<>());
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, verdict.status());
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain");
            exchange.getMessage().setBody(verdict.reason());
            return false;
        }
        if (!ledger.claim(sagaId, participant, kind)) {
            LOG.debug("{} of {} in saga {} already ran: nothing to do", kind, participant, sagaId);
            return true;
        }
        // The order id the saga was started with, from the ledger (any replica's, with the jdbc store). The callback
        // URLs carry none (CAMEL-24147, routes/order-saga.yaml): for a saga the memory ledger lost in a restart it is
        // null, and the participants go by the sagaid.
        String orderId = ledger.orderId(sagaId);
        try {
            Reply reply = request(sagaId, orderId, participant, action, "{\"orderId\":" + json.valueToTree(orderId) + "}");
            SagaLedger.CallbackState state = switch (reply.outcome()) {
                case "compensated", "completed", "done" -> SagaLedger.CallbackState.DONE;
                case "nothing-to-compensate" -> SagaLedger.CallbackState.NOTHING_TO_DO;
                default -> throw new ParticipantFailedException(participant, action,
                        reply.reason() != null ? reply.reason() : reply.outcome());
            };
            ledger.callbackEnded(sagaId, participant, kind, state);
        } catch (RuntimeException e) {
            // Failing the callback makes the coordinator call it again later.
            ledger.callbackEnded(sagaId, participant, kind, SagaLedger.CallbackState.FAILED);
            throw e;
        }
        return true;
    }

    /** Hands a participant's reply (read by a reply route into ce-* headers and data) to the step waiting for it. */
    public void onReply(Exchange exchange) {
        String correlationId = exchange.getMessage().getHeader("ce-correlationid", String.class);
        Reply reply;
        try {
            JsonNode data = json.readTree(exchange.getMessage().getBody(byte[].class));
            reply = new Reply(data.path("outcome").asText("failed"),
                    data.hasNonNull("reason") ? data.get("reason").asText() : null);
        } catch (Exception e) {
            reply = new Reply("failed", "unreadable reply: " + e.getMessage());
        }
        CompletableFuture<Reply> waiting = correlationId == null ? null : pending.remove(correlationId);
        if (waiting != null) {
            waiting.complete(reply);
        } else if (relay != null && correlationId != null) {
            // Another replica may be waiting for it (replies are read by whichever replica the broker hands them to).
            relay.forward(correlationId, reply);
        } else {
            ledger.unmatchedReply();
            LOG.info("Dropped a saga reply nobody waits for (duplicate, late or foreign): correlationid {}", correlationId);
        }
    }

    /** A reply another replica read and passed on: this replica's step may be waiting for it. */
    private void relayed(String correlationId, Reply reply) {
        CompletableFuture<Reply> waiting = pending.remove(correlationId);
        if (waiting != null) {
            relay.received();
            waiting.complete(reply);
        }
    }

    private Reply request(String sagaId, String orderId, String participant, String action, String data) {
        Duration timeout = properties.participant(participant).callTimeout();
        String id = UUID.randomUUID().toString();
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            Exchange request = new DefaultExchange(camelContext);
            Map<String, Object> headers = new LinkedHashMap<>();
            headers.put("ce-specversion", "1.0");
            headers.put("ce-id", id);
            headers.put("ce-source", SOURCE);
            headers.put("ce-type", "io.interchange.saga." + participant + "." + action + ".requested");
            headers.put("ce-time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
            headers.put("ce-datacontenttype", "application/json");
            headers.put("ce-correlationid", id);
            headers.put("ce-sagaid", sagaId);
            if (orderId != null) {
                headers.put("ce-subject", orderId);
                headers.put("ce-partitionkey", orderId);
            }
            request.getMessage().setHeaders(headers);
            request.getMessage().setBody(data == null ? "{}".getBytes(StandardCharsets.UTF_8)
                    : data.getBytes(StandardCharsets.UTF_8));
            producer().send("direct:saga-request-" + participant, request);
            if (request.getException() != null) {
                throw new ParticipantFailedException(participant, action, "request not published: "
                        + request.getException().getMessage());
            }
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ParticipantFailedException(participant, action, "no reply within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ParticipantFailedException(participant, action, "interrupted");
        } catch (ExecutionException e) {
            throw new ParticipantFailedException(participant, action, e.getCause().toString());
        } finally {
            pending.remove(id);
        }
    }

    private static String sagaId(Exchange exchange) {
        String sagaId = exchange.getMessage().getHeader(Exchange.SAGA_LONG_RUNNING_ACTION, String.class);
        if (sagaId == null) {
            throw new IllegalStateException("Not in a saga: no " + Exchange.SAGA_LONG_RUNNING_ACTION + " header");
        }
        return sagaId;
    }

    private synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = camelContext.createProducerTemplate();
        }
        return producer;
    }
}

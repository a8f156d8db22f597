package io.interchange.saga;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

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

import io.interchange.observability.TraceContext;

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

    /**
     * Starts tracking the saga that the exchange's saga EIP just began, with the exchange's trace context (with tracing
     * on, that of the saga route's span): the coordinator's callbacks carry none, and take this one from the ledger on
     * whichever replica they reach ({@link SagaCallbackTraceFilter}).
     */
    public void started(Exchange exchange) {
        String sagaId = sagaId(exchange);
        exchange.setProperty("sagaId", sagaId);
        String traceparent = exchange.getMessage().getHeader(TraceContext.TRACEPARENT, String.class);
        ledger.started(sagaId, exchange.getProperty("orderId", String.class),
                TraceContext.isValid(traceparent) ? traceparent : null);
    }

    /** A saga step: the participant's action, failing the exchange (so the saga compensates) unless it was done. */
    public void call(Exchange exchange, String participant, String action) {
        String sagaId = sagaId(exchange);
        String orderId = exchange.getProperty("orderId", String.class);
        if (!ledger.stepStarted(sagaId, participant, participant, action)) {
            // The coordinator already compensates the saga (its time limit passed between two steps).
            throw new ParticipantFailedException(participant, action, "the saga is being compensated");
        }
        try {
            Reply reply = await(send(exchange, sagaId, orderId, participant, action,
                    exchange.getProperty("order", String.class)), participant, action);
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

    /**
     * The saga's compensation callback (the saga has one LRA participant, the gateway): undoes the steps that started,
     * last first, one at a time, each at most once (ledger). {@code steps} lists the saga's steps in order as
     * {@code participant:compensation-action,...} (routes/order-saga.yaml); a saga the ledger does not know (the memory
     * ledger after a restart) has every step asked, and participants answer nothing-to-compensate for what they never
     * did. A step whose compensation fails stops the rest (they come before it), and fails the callback: the coordinator
     * calls again, and the steps already undone are skipped.
     */
    public void compensateSaga(Exchange exchange, String steps) {
        long began = System.nanoTime();
        try {
            doCompensateSaga(exchange, steps);
        } catch (RuntimeException e) {
            answerForRetry(exchange, began, "compensation", e);
        }
    }

    private void doCompensateSaga(Exchange exchange, String steps) {
        String sagaId = sagaId(exchange);
        SagaCallbackVerifier.Verdict verdict = verifier.verify(sagaId, "compensation");
        if (!verified(exchange, verdict, System.nanoTime())) {
            return;
        }
        Map<String, String> actions = actions(steps);
        if (verdict.refuseOnly()) {
            // The LRA is being closed: every step's completion must have run, and then the compensation is refused.
            for (String step : actions.keySet()) {
                if (!ledger.completed(sagaId, step)) {
                    throw new IllegalStateException("Saga " + sagaId + " is being closed and the completion of " + step
                            + " has not run: its compensation is neither run nor refused yet");
                }
            }
            ledger.refusedAll(sagaId, actions.size());
            LOG.warn("Refused the compensation of saga {} while the coordinator closes it: every step's completion ran",
                    sagaId);
            exchange.getMessage().setBody("Compensated");
            return;
        }
        List<String> started = ledger.beginCompensation(sagaId);
        List<String> undo = new ArrayList<>(started.isEmpty() ? actions.keySet() : started);
        Collections.reverse(undo);
        String orderId = ledger.orderId(sagaId);
        for (String step : undo) {
            String action = actions.get(step);
            if (action == null) {
                throw new IllegalStateException("Saga " + sagaId + " has a step " + step + " that " + steps + " does not name");
            }
            if (!ledger.claim(sagaId, step, "compensation")) {
                continue; // done already, or refused (its completion ran)
            }
            Reply reply = awaitCallback(sagaId, step, action, "compensation", () -> send(exchange, sagaId, orderId, step,
                    action, callbackData(orderId)));
            ledger.callbackEnded(sagaId, step, "compensation", switch (reply.outcome()) {
                case "nothing-to-compensate" -> SagaLedger.CallbackState.NOTHING_TO_DO;
                default -> SagaLedger.CallbackState.DONE;
            });
        }
        exchange.getMessage().setBody("Compensated");
    }

    /**
     * The saga's completion callback: confirms every step at once (they are independent; the callback waits for the
     * slowest), each at most once (ledger). {@code steps} as for {@link #compensateSaga}, with the completion actions.
     * Any that fails fails the callback, and the coordinator calls again; the steps already confirmed are skipped.
     */
    public void completeSaga(Exchange exchange, String steps) {
        long began = System.nanoTime();
        try {
            doCompleteSaga(exchange, steps);
        } catch (RuntimeException e) {
            answerForRetry(exchange, began, "completion", e);
        }
    }

    private void doCompleteSaga(Exchange exchange, String steps) {
        String sagaId = sagaId(exchange);
        if (!verified(exchange, verifier.verify(sagaId, "completion"), System.nanoTime())) {
            return;
        }
        Map<String, String> actions = actions(steps);
        String orderId = ledger.orderId(sagaId);
        Map<String, CompletableFuture<Reply>> sent = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<String, String> step : actions.entrySet()) {
            boolean claimed = false;
            try {
                claimed = ledger.claim(sagaId, step.getKey(), "completion");
                if (claimed) {
                    sent.put(step.getKey(), send(exchange, sagaId, orderId, step.getKey(), step.getValue(),
                            callbackData(orderId)));
                }
            } catch (RuntimeException e) {
                if (claimed) {
                    // Not published: recorded as failed, or the claim would read as still running.
                    ledger.callbackEnded(sagaId, step.getKey(), "completion", SagaLedger.CallbackState.FAILED);
                }
                failure = failure == null ? e : failure;
            }
        }
        for (Map.Entry<String, CompletableFuture<Reply>> step : sent.entrySet()) {
            try {
                awaitCallback(sagaId, step.getKey(), actions.get(step.getKey()), "completion", step::getValue);
                ledger.callbackEnded(sagaId, step.getKey(), "completion", SagaLedger.CallbackState.DONE);
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        exchange.getMessage().setBody("Completed");
    }

    /** Before the ledger, the participants or a broker see anything: the callback may be forged. */
    private boolean verified(Exchange exchange, SagaCallbackVerifier.Verdict verdict, long began) {
        if (!verdict.allowed()) {
            if (verdict.status() == 503) {
                // The coordinator could not be asked: the real coordinator must call again (see answerForRetry).
                holdUntilTheCoordinatorGaveUp(began);
            }
            exchange.getMessage().setHeaders(new HashMap<>());
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, verdict.status());
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain");
            exchange.getMessage().setBody(verdict.reason());
            return false;
        }
        return true;
    }

    /**
     * A callback that must run again later (it is still running elsewhere, its participant failed or did not answer, the
     * ledger could not be reached). Narayana 1.1 takes any answer but 200, 202 or 410 from a participant as "accepted,
     * still in progress" and from then on only polls the participant's status URL, which camel-lra does not register:
     * it never calls the compensation or completion again, and the LRA stays Cancelling or Closing forever. It does call
     * again (on its next recovery pass) a participant it could not reach, including one that did not answer within the
     * 2 s it waits. So the answer is held until the coordinator stopped waiting, then 503 (which nobody reads). With
     * Camel's in-memory saga service (tests) the failure is thrown, and that service retries.
     */
    private void answerForRetry(Exchange exchange, long began, String kind, RuntimeException failure) {
        if (!verifier.enabled()) {
            throw failure;
        }
        LOG.warn("The {} callback failed and is left for the coordinator to call again: {}", kind, failure.getMessage());
        holdUntilTheCoordinatorGaveUp(began);
        exchange.getMessage().setHeaders(new HashMap<>());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain");
        exchange.getMessage().setBody("Not done: " + failure.getMessage() + "; call again later");
    }

    private void holdUntilTheCoordinatorGaveUp(long began) {
        long left = properties.callbackRetryHold().toNanos() - (System.nanoTime() - began);
        if (left > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The reply to a compensation or completion, recorded as failed (so that it may run again) unless it is one of the
     * outcomes that mean done: a compensation is never reported done while it runs or after it failed. A request that
     * cannot be published fails the same way, or its claim would stay running.
     */
    private Reply awaitCallback(String sagaId, String step, String action, String kind,
            Supplier<CompletableFuture<Reply>> send) {
        try {
            Reply reply = await(send.get(), step, action);
            boolean done = switch (reply.outcome()) {
                case "compensated", "nothing-to-compensate" -> kind.equals("compensation");
                case "completed", "done" -> true;
                default -> false;
            };
            if (!done) {
                throw new ParticipantFailedException(step, action, reply.reason() != null ? reply.reason() : reply.outcome());
            }
            return reply;
        } catch (RuntimeException e) {
            // Failing the callback makes the coordinator call it again later.
            ledger.callbackEnded(sagaId, step, kind, SagaLedger.CallbackState.FAILED);
            throw e;
        }
    }

    /**
     * The order id the saga was started with, from the ledger (any replica's, with the jdbc store). The callback URLs
     * carry none (CAMEL-24147, routes/order-saga.yaml): for a saga the memory ledger lost in a restart it is null, and
     * the participants go by the sagaid.
     */
    private String callbackData(String orderId) {
        return "{\"orderId\":" + json.valueToTree(orderId) + "}";
    }

    /** {@code order:cancel,inventory:release} as step -> action, in order. */
    static Map<String, String> actions(String steps) {
        Map<String, String> actions = new LinkedHashMap<>();
        for (String pair : steps.split(",")) {
            String[] parts = pair.strip().split(":");
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("Saga steps must be listed as participant:action,...; was " + steps);
            }
            actions.put(parts[0].strip(), parts[1].strip());
        }
        return actions;
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

    /**
     * Publishes a request; the future completes with the participant's reply (on any replica's reply consumer). The
     * request is an exchange of its own, so it takes the trace context of the step or callback that sends it
     * ({@code cause}; with tracing on, that of the step's span): its spans, the participant's and the reply's are then
     * in the saga's trace rather than each request starting one.
     */
    private CompletableFuture<Reply> send(Exchange cause, String sagaId, String orderId, String participant,
            String action, String data) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        reply.whenComplete((r, e) -> pending.remove(id));
        pending.put(id, reply);
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
        String traceparent = cause.getMessage().getHeader(TraceContext.TRACEPARENT, String.class);
        if (TraceContext.isValid(traceparent)) {
            headers.put(TraceContext.TRACEPARENT, traceparent);
            String tracestate = cause.getMessage().getHeader(TraceContext.TRACESTATE, String.class);
            if (tracestate != null) {
                headers.put(TraceContext.TRACESTATE, tracestate);
            }
        }
        request.getMessage().setHeaders(headers);
        request.getMessage().setBody(data == null ? "{}".getBytes(StandardCharsets.UTF_8)
                : data.getBytes(StandardCharsets.UTF_8));
        producer().send("direct:saga-request-" + participant, request);
        if (request.getException() != null) {
            pending.remove(id);
            throw new ParticipantFailedException(participant, action, "request not published: "
                    + request.getException().getMessage());
        }
        return reply;
    }

    /** The reply, within the participant's call timeout. */
    private Reply await(CompletableFuture<Reply> reply, String participant, String action) {
        Duration timeout = properties.participant(participant).callTimeout();
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ParticipantFailedException(participant, action, "no reply within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ParticipantFailedException(participant, action, "interrupted");
        } catch (ExecutionException e) {
            throw new ParticipantFailedException(participant, action, e.getCause().toString());
        } finally {
            reply.cancel(false);
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

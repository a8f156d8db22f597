package io.interchange.saga;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.DefaultExchange;

/**
 * The four saga participants as simulated services (tests and dev mode): each consumes its request queue or
 * topic and replies on the reply queue of its broker, like a real service behind the brokers would. Actions
 * are idempotent per saga (sagaid extension): a redelivered request is answered again without acting twice;
 * a compensation of an action never done answers nothing-to-compensate and bars the action from happening later.
 *
 * <p>Failure injection per step: {@link #mode(String, Mode)} for every saga, or per order in the order's JSON,
 * e.g. {@code {"orderId":"o-1","simulate":{"payment":"fail"}}}; {@link #failCompensations} for compensations.
 * Everything that happened is in {@link #journal()}, a compensation or completion asked for again as well
 * (effect {@code compensated-again}, {@code completed-again}), a compensation of an action already completed
 * ({@code compensate-after-completed}) and a completion of one never done or compensated
 * ({@code complete-after-<state>}), both answered without effect.
 */
public class SimulatedParticipants extends RouteBuilder {

    public enum Mode { OK, FAIL, TIMEOUT, LATE, TWICE }

    /** One thing a participant did: action is the requested one, effect what it did. */
    public record Entry(String participant, String action, String sagaId, String orderId, String effect, Instant at) {
    }

    private static final Set<String> COMPENSATIONS = Set.of("cancel", "release", "refund");
    private static final Set<String> COMPLETIONS = Set.of("confirm", "commit", "capture");

    private final Map<String, Mode> modes = new ConcurrentHashMap<>();
    private final Set<String> failingCompensations = ConcurrentHashMap.newKeySet();
    private final Map<String, String> state = new ConcurrentHashMap<>();
    private final List<Entry> journal = new CopyOnWriteArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "simulated-participants-late");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Duration lateBy = Duration.ofSeconds(4);
    private ProducerTemplate producer;

    public void mode(String participant, Mode mode) {
        modes.put(participant, mode);
    }

    /** While on, the participant answers every compensation with failed (it cannot undo its action). */
    public void failCompensations(String participant, boolean fail) {
        if (fail) {
            failingCompensations.add(participant);
        } else {
            failingCompensations.remove(participant);
        }
    }

    public void lateBy(Duration delay) {
        this.lateBy = delay;
    }

    public List<Entry> journal() {
        return List.copyOf(journal);
    }

    public List<Entry> journal(String orderId) {
        return journal.stream().filter(e -> orderId.equals(e.orderId())).toList();
    }

    @Override
    public void configure() {
        // Requests: the participant's own queue or topic, in its broker's CloudEvents binding.
        from("interchange-kafka:{{order-saga.kafka.order-requests}}?groupId=simulated-order").routeId("simulated-order")
                .to("interchange-cloudevents:read?binding=kafka").process(e -> handle(e, "order"));
        from("interchange-sqs:{{order-saga.sqs.inventory-requests}}?waitTimeSeconds=1").routeId("simulated-inventory")
                .to("interchange-cloudevents:read?binding=sqs").process(e -> handle(e, "inventory"));
        from("interchange-rabbitmq:saga.payment.requests").routeId("simulated-payment")
                .to("interchange-cloudevents:read?binding=amqp").process(e -> handle(e, "payment"));
        from("interchange-kafka:{{order-saga.kafka.shipping-requests}}?groupId=simulated-shipping").routeId("simulated-shipping")
                .to("interchange-cloudevents:read?binding=kafka").process(e -> handle(e, "shipping"));

        // Replies: back over the same broker.
        String kafkaReply = "kafka:{{order-saga.kafka.replies}}?requestRequiredAcks=all"
                + "&keySerializer=org.apache.kafka.common.serialization.StringSerializer"
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer";
        from("direct:simulated-reply-order").routeId("simulated-reply-order")
                .to("interchange-cloudevents:write?binding=kafka&mode=binary").to(kafkaReply);
        from("direct:simulated-reply-shipping").routeId("simulated-reply-shipping")
                .to("interchange-cloudevents:write?binding=kafka&mode=binary").to(kafkaReply);
        from("direct:simulated-reply-inventory").routeId("simulated-reply-inventory")
                .to("interchange-cloudevents:write?binding=sqs&mode=binary")
                .to("interchange-sqs:{{order-saga.sqs.replies}}");
        from("direct:simulated-reply-payment").routeId("simulated-reply-payment")
                .to("interchange-cloudevents:write?binding=amqp&mode=binary")
                .to("interchange-rabbitmq:{{order-saga.rabbitmq.exchange}}?routingKey=payment.reply");
    }

    private void handle(Exchange exchange, String participant) throws Exception {
        String type = exchange.getMessage().getHeader("ce-type", String.class);
        String action = type.substring(("io.interchange.saga." + participant + ".").length(), type.lastIndexOf('.'));
        String sagaId = exchange.getMessage().getHeader("ce-sagaid", String.class);
        String correlationId = exchange.getMessage().getHeader("ce-correlationid", String.class);
        // Replies continue the request's trace, as a traced participant's would (with tracing on, the trace context of
        // this participant's span; else the gateway's request's, if it had one).
        String traceparent = exchange.getMessage().getHeader("traceparent", String.class);
        JsonNode data = json.readTree(exchange.getMessage().getBody(byte[].class));
        String orderId = data.path("orderId").asText(null);
        String key = sagaId + "|" + participant;

        if (COMPENSATIONS.contains(action) && failingCompensations.contains(participant)) {
            journal.add(new Entry(participant, action, sagaId, orderId, "compensation-failed", Instant.now()));
            reply(participant, correlationId, sagaId, traceparent, "failed", "simulated compensation failure");
            return;
        }
        if (COMPENSATIONS.contains(action)) {
            String before = state.putIfAbsent(key, "never-done");
            if (before == null || "never-done".equals(before)) {
                journal.add(new Entry(participant, action, sagaId, orderId, "nothing-to-compensate", Instant.now()));
                reply(participant, correlationId, sagaId, traceparent, "nothing-to-compensate", null);
            } else if (state.replace(key, "done", "compensated")) {
                journal.add(new Entry(participant, action, sagaId, orderId, "compensated", Instant.now()));
                reply(participant, correlationId, sagaId, traceparent, "compensated", null);
            } else {
                // No effect, but journaled: a repeated compensation, or one of an action already completed.
                String effect = "compensated".equals(before) ? "compensated-again" : "compensate-after-" + before;
                journal.add(new Entry(participant, action, sagaId, orderId, effect, Instant.now()));
                reply(participant, correlationId, sagaId, traceparent, "compensated", null);
            }
            return;
        }
        if (COMPLETIONS.contains(action)) {
            if (state.replace(key, "done", "completed")) {
                journal.add(new Entry(participant, action, sagaId, orderId, "completed", Instant.now()));
            } else {
                // No effect, but journaled: a repeated completion, or one of an action never done or compensated.
                String now = state.get(key);
                journal.add(new Entry(participant, action, sagaId, orderId,
                        "completed".equals(now) ? "completed-again" : "complete-after-" + now, Instant.now()));
            }
            reply(participant, correlationId, sagaId, traceparent, "completed", null);
            return;
        }

        Mode mode = modes.getOrDefault(participant, Mode.OK);
        JsonNode simulate = data.path("simulate").path(participant);
        if (simulate.isTextual()) {
            mode = Mode.valueOf(simulate.asText().toUpperCase());
        }
        if (mode == Mode.FAIL) {
            journal.add(new Entry(participant, action, sagaId, orderId, "failed", Instant.now()));
            reply(participant, correlationId, sagaId, traceparent, "failed", "simulated failure");
            return;
        }
        String before = state.putIfAbsent(key, "done");
        if (before != null) {
            // A redelivered request (done already) or one after its compensation (never-done): act not again.
            reply(participant, correlationId, sagaId, traceparent, "done".equals(before) ? "done" : "failed",
                    "done".equals(before) ? null : "saga already compensated");
            return;
        }
        journal.add(new Entry(participant, action, sagaId, orderId, "done", Instant.now()));
        switch (mode) {
            case TIMEOUT -> {
                // did the work, never answers
            }
            case LATE -> later.schedule(() -> reply(participant, correlationId, sagaId, traceparent, "done", null),
                    lateBy.toMillis(), TimeUnit.MILLISECONDS);
            case TWICE -> {
                reply(participant, correlationId, sagaId, traceparent, "done", null);
                reply(participant, correlationId, sagaId, traceparent, "done", null);
            }
            default -> reply(participant, correlationId, sagaId, traceparent, "done", null);
        }
    }

    /** One template for all replies: making one per reply cost the benchmark's participants CPU for nothing. */
    private synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = getContext().createProducerTemplate();
        }
        return producer;
    }

    private void reply(String participant, String correlationId, String sagaId, String traceparent, String outcome,
            String reason) {
        try {
            Exchange reply = new DefaultExchange(getContext());
            reply.getMessage().setHeader("ce-specversion", "1.0");
            reply.getMessage().setHeader("ce-id", UUID.randomUUID().toString());
            reply.getMessage().setHeader("ce-source", "/simulated/" + participant);
            reply.getMessage().setHeader("ce-type", "io.interchange.saga." + participant + ".replied");
            reply.getMessage().setHeader("ce-time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
            reply.getMessage().setHeader("ce-datacontenttype", "application/json");
            reply.getMessage().setHeader("ce-correlationid", correlationId);
            reply.getMessage().setHeader("ce-sagaid", sagaId);
            if (traceparent != null) {
                reply.getMessage().setHeader("traceparent", traceparent);
            }
            String body = json.writeValueAsString(reason == null ? Map.of("outcome", outcome)
                    : Map.of("outcome", outcome, "reason", reason));
            reply.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
            producer().send("direct:simulated-reply-" + participant, reply);
            if (reply.getException() != null) {
                throw reply.getException();
            }
        } catch (Exception e) {
            throw new IllegalStateException("Simulated " + participant + " could not reply", e);
        }
    }
}

package io.interchange.bridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.LongString;

import io.interchange.bridge.PoisonEvents.Decoded;
import io.interchange.bridge.PoisonEvents.Event;
import io.interchange.bridge.PoisonTaps.AmqpDelivery;
import io.interchange.bridge.PoisonTaps.Arrival;
import io.interchange.security.ControlHeaders;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * One stream of the poison suite: the messages sent into one source broker, what each route reading them
 * must do with each (deliver it to its sinks as an exact event, dead-letter it with its reason, or drop it),
 * and the check of what arrived. Every stream sent is kept in {@link #ALL}, so that anything arriving at a
 * sink or dead-letter destination that no stream expects is reported too.
 */
final class PoisonStream {

    /** How long a poison message may take to reach its dead-letter destination (docs/guarantees.md). */
    static final long DEAD_LETTER_WITHIN_MILLIS = 30_000;

    static final List<PoisonStream> ALL = new CopyOnWriteArrayList<>();

    /** Arrivals already reported as unexpected: the taps keep everything, each is reported by one stream only. */
    private static final Set<Arrival> REPORTED = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SQS_MESSAGE_ID = Pattern.compile("^sqs:\\S+ message (\\S+)");

    /** What a route must do with a message. */
    sealed interface Outcome permits Deliver, DeadLetter, Drop {
    }

    /** Arrive at each of these sinks. */
    record Deliver(List<Delivery> deliveries) implements Outcome {

        Deliver(Delivery... deliveries) {
            this(List.of(deliveries));
        }
    }

    /** Arrive at {@code sink} as {@code event}, with {@code key} as the record key, interchange-key or message group. */
    record Delivery(String sink, Event event, String key) {
    }

    /**
     * Land on the route's dead-letter destination with this exception and every fragment in the reason (and in
     * the violations, for an invalid CloudEvent), whole or truncated.
     */
    record DeadLetter(String exception, List<String> reason, boolean truncated, List<String> droppedHeaders)
            implements Outcome {

        DeadLetter(Class<?> exception, String... reason) {
            this(exception.getName(), List.of(reason), false, List.of());
        }

        /** The same, but the dead letter does not fit its destination: written truncated, without these headers. */
        DeadLetter asTruncated(String... dropped) {
            return new DeadLetter(exception, reason, true, List.of(dropped));
        }
    }

    /** Go nowhere: acknowledged without a delivery or a dead letter (a filter). */
    record Drop() implements Outcome {
    }

    /** One message of a stream. */
    static final class Message {

        final String tag;
        final String kind;
        final boolean poison;
        /** The source's key: the Kafka record key, the AMQP interchange-key or the SQS message group. */
        final String key;
        /** The body as sent: what a dead letter keeps. */
        final byte[] body;
        /** The wire headers the source admits into the route (first of a repeated name), which a dead letter keeps. */
        final List<Map.Entry<String, Object>> admitted;
        /** Which header names the source admits at all: the only original headers a dead letter may carry. */
        final java.util.function.Predicate<String> admits;
        /** The broker-specific message to send. */
        final Object wire;
        /** Route id -> what it must do with this message (the router's fan-out can deliver and dead-letter one message). */
        final Map<String, List<Outcome>> outcomes = new LinkedHashMap<>();
        /** Per route: what identifies this message's dead letter (Kafka location, interchange-key, SQS message id). */
        final Map<String, String> locators = new ConcurrentHashMap<>();
        volatile long sentAtMillis;

        Message(String tag, String kind, boolean poison, String key, byte[] body, List<Map.Entry<String, Object>> admitted,
                java.util.function.Predicate<String> admits, Object wire) {
            this.admits = admits;
            this.tag = tag;
            this.kind = kind;
            this.poison = poison;
            this.key = key;
            this.body = body == null ? new byte[0] : body;
            this.admitted = admitted;
            this.wire = wire;
        }

        Message expect(String route, Outcome outcome) {
            outcomes.computeIfAbsent(route, r -> new ArrayList<>()).add(outcome);
            return this;
        }

        @Override
        public String toString() {
            return (poison ? "poison" : "good") + " '" + kind + "' " + tag;
        }
    }

    final String name;
    final List<Message> messages = new ArrayList<>();
    /** Route id -> its dead-letter destination, as a sink name. */
    final Map<String, String> deadLetterSinks;
    /** Partitions of each Kafka sink topic: a keyed record must be on the partition its key hashes to. */
    private final Map<String, Integer> kafkaPartitions;
    long sendMillis;
    long sentAtMillis;

    PoisonStream(String name, Map<String, String> deadLetterSinks, Map<String, Integer> kafkaPartitions) {
        this.name = name;
        this.deadLetterSinks = Map.copyOf(deadLetterSinks);
        this.kafkaPartitions = Map.copyOf(kafkaPartitions);
    }

    /** Which sinks hold dead letters (the others hold delivered events). */
    static Set<String> deadLetterSinks() {
        return ALL.stream().flatMap(s -> s.deadLetterSinks.values().stream()).collect(Collectors.toSet());
    }

    /** Whether every delivery and dead letter this stream expects has arrived (at least once). */
    boolean complete(PoisonTaps taps) {
        Index index = new Index(taps);
        for (Message message : messages) {
            for (Map.Entry<String, List<Outcome>> entry : message.outcomes.entrySet()) {
                for (Outcome outcome : entry.getValue()) {
                    if (outcome instanceof Deliver deliver) {
                        for (Delivery d : deliver.deliveries()) {
                            if (index.events(d.sink(), d.event().id()).isEmpty()) {
                                return false;
                            }
                        }
                    } else if (outcome instanceof DeadLetter && index.deadLetters(deadLetterSinks.get(entry.getKey()),
                            entry.getKey(), message.locators.get(entry.getKey())).isEmpty()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    // ---- the check ----

    /** What the check found: failures (the test fails if there is one), duplicates, and the figures. */
    static final class Report {
        final List<String> failures = new ArrayList<>();
        final List<String> duplicates = new ArrayList<>();
        /** Poison kind -> time from send to dead letter seen, per dead letter. */
        final Map<String, List<Long>> deadLetterMillis = new TreeMap<>();
        /** The same per route. */
        final Map<String, List<Long>> routeMillis = new TreeMap<>();
        int deliveries;
        int deadLetters;

        String figures() {
            StringBuilder out = new StringBuilder();
            routeMillis.forEach((route, times) -> out.append(String.format(Locale.ROOT,
                    "  %s: %d dead letters, time from send to dead letter: median %d ms, max %d ms%n", route, times.size(),
                    times.stream().sorted().skip(times.size() / 2).findFirst().orElse(0L),
                    times.stream().mapToLong(Long::longValue).max().orElse(0))));
            out.append(String.format(Locale.ROOT, "  per kind of poison:%n"));
            deadLetterMillis.forEach((kind, times) -> out.append(String.format(Locale.ROOT, "    %-70s %3d dead letters, max %5d ms%n",
                    kind, times.size(), times.stream().mapToLong(Long::longValue).max().orElse(0))));
            return out.toString();
        }
    }

    /** Checks every message of this stream against what the taps saw. */
    Report check(PoisonTaps taps) {
        Report report = new Report();
        Index index = new Index(taps);
        for (Message message : messages) {
            for (Map.Entry<String, List<Outcome>> entry : message.outcomes.entrySet()) {
                String route = entry.getKey();
                for (Outcome outcome : entry.getValue()) {
                    if (outcome instanceof Deliver deliver) {
                        for (Delivery delivery : deliver.deliveries()) {
                            checkDelivery(report, index, message, route, delivery);
                        }
                    } else if (outcome instanceof DeadLetter deadLetter) {
                        checkDeadLetter(report, index, message, route, deadLetter);
                    }
                }
            }
        }
        return report;
    }

    private void checkDelivery(Report report, Index index, Message message, String route, Delivery delivery) {
        String what = message + " via " + route + " at " + delivery.sink();
        List<SeenEvent> seen = index.events(delivery.sink(), delivery.event().id());
        if (seen.isEmpty()) {
            report.failures.add("LOST: " + what + " never arrived (event id '" + delivery.event().id() + "')");
            return;
        }
        report.deliveries++;
        if (seen.size() > 1) {
            report.duplicates.add(what + ": arrived " + seen.size() + " times");
        }
        SeenEvent first = seen.get(0);
        List<String> wrong = new ArrayList<>(first.decoded().problems());
        boolean amqp = delivery.sink().startsWith("rabbitmq:");
        boolean typed = amqp || "structured".equals(first.decoded().mode());
        wrong.addAll(PoisonEvents.differences(delivery.event(), first.decoded(), typed));
        if (!java.util.Objects.equals(delivery.key(), first.key())) {
            wrong.add("key is '" + first.key() + "', expected '" + delivery.key() + "'");
        }
        if (delivery.sink().startsWith("sqs:")) {
            String mode = PoisonEvents.sqsMode(delivery.event());
            if (!mode.equals(first.decoded().mode())) {
                wrong.add("arrived in " + first.decoded().mode() + " mode, expected " + mode);
            }
            boolean binaryData = delivery.event().data() != null
                    && PoisonEvents.strictUtf8(delivery.event().data()).isEmpty();
            if (binaryData && !first.decoded().dataBase64()) {
                wrong.add("binary data did not travel as data_base64");
            }
        }
        first.headerNames().stream().filter(ControlHeaders::isControl)
                .forEach(h -> wrong.add("carries the control header '" + h + "'"));
        if (first.arrival().message() instanceof ConsumerRecord<?, ?> record) {
            Integer partitions = kafkaPartitions.get(record.topic());
            if (partitions != null && record.key() != null) {
                int expected = Utils.toPositive(Utils.murmur2(((String) record.key()).getBytes(StandardCharsets.UTF_8)))
                        % partitions;
                if (record.partition() != expected) {
                    wrong.add("on partition " + record.partition() + ", its key hashes to " + expected);
                }
            }
            // Created when the gateway sent it (one clock on this machine): not a timestamp a header asked for.
            if (record.timestamp() < message.sentAtMillis - 1_000 || record.timestamp() > first.arrival().atMillis() + 1_000) {
                wrong.add("record timestamp " + record.timestamp() + " is not the time it was sent (" + message.sentAtMillis + ")");
            }
        }
        if (!wrong.isEmpty()) {
            report.failures.add("WRONG: " + what + ": " + String.join("; ", wrong));
        }
    }

    private void checkDeadLetter(Report report, Index index, Message message, String route, DeadLetter expected) {
        String sink = deadLetterSinks.get(route);
        String what = message + " via " + route + " at " + sink;
        List<SeenDeadLetter> seen = index.deadLetters(sink, route, message.locators.get(route));
        if (seen.isEmpty()) {
            report.failures.add("NOT DEAD-LETTERED: " + what + " (expected " + expected.exception() + " "
                    + expected.reason() + "; locator " + message.locators.get(route) + ")");
            return;
        }
        report.deadLetters++;
        if (seen.size() > 1) {
            report.duplicates.add(what + ": dead-lettered " + seen.size() + " times");
        }
        SeenDeadLetter letter = seen.get(0);
        long millis = letter.arrival().atMillis() - message.sentAtMillis;
        report.deadLetterMillis.computeIfAbsent(message.kind, k -> new ArrayList<>()).add(millis);
        report.routeMillis.computeIfAbsent(route, k -> new ArrayList<>()).add(millis);
        List<String> wrong = new ArrayList<>();
        if (millis > DEAD_LETTER_WITHIN_MILLIS) {
            wrong.add("took " + millis + " ms, more than " + DEAD_LETTER_WITHIN_MILLIS);
        }
        Map<String, String> meta = letter.meta();
        String reason = meta.getOrDefault("interchange-dlq-reason", "");
        if (!expected.exception().equals(meta.get("interchange-dlq-exception"))) {
            wrong.add("exception is " + meta.get("interchange-dlq-exception") + ", expected " + expected.exception());
        }
        for (String fragment : expected.reason()) {
            if (!reason.contains(fragment)) {
                wrong.add("reason lacks '" + fragment + "'");
            }
            if (expected.exception().endsWith("InvalidCloudEventException")
                    && !meta.getOrDefault("interchange-ce-violations", "").contains(fragment)) {
                wrong.add("interchange-ce-violations lacks '" + fragment + "'");
            }
        }
        if (!"1".equals(meta.get("interchange-dlq-attempts"))) {
            wrong.add("interchange-dlq-attempts is " + meta.get("interchange-dlq-attempts") + ", expected 1 (permanent: at once)");
        }
        for (String time : List.of("interchange-dlq-time", "interchange-dlq-first-failure-time")) {
            try {
                Instant.parse(meta.getOrDefault(time, ""));
            } catch (RuntimeException e) {
                wrong.add(time + " is '" + meta.get(time) + "'");
            }
        }
        String location = meta.getOrDefault("interchange-dlq-original-location", "");
        if (sink.startsWith("rabbitmq:") ? !location.contains(locationHint(route)) : location.isEmpty()) {
            wrong.add("interchange-dlq-original-location is '" + location + "'");
        }
        if (expected.truncated()) {
            if (!"true".equals(meta.get("interchange-dlq-truncated"))) {
                wrong.add("not marked truncated (interchange-dlq-truncated is " + meta.get("interchange-dlq-truncated") + ")");
            }
            if (!String.valueOf(message.body.length).equals(meta.get("interchange-dlq-original-size"))) {
                wrong.add("interchange-dlq-original-size is " + meta.get("interchange-dlq-original-size") + ", expected "
                        + message.body.length);
            }
            if (!sha256(message.body).equals(meta.get("interchange-dlq-original-sha256"))) {
                wrong.add("interchange-dlq-original-sha256 is not the original's");
            }
            if (letter.body().length > 64 * 1024 || letter.body().length > message.body.length
                    || !Arrays.equals(letter.body(), Arrays.copyOf(message.body, letter.body().length))) {
                wrong.add("body (" + letter.body().length + " bytes) is not the original's first bytes (at most 64 KiB)");
            }
            for (String dropped : expected.droppedHeaders()) {
                if (!meta.getOrDefault("interchange-dlq-dropped-headers", "").contains(dropped)) {
                    wrong.add("interchange-dlq-dropped-headers (" + meta.get("interchange-dlq-dropped-headers")
                            + ") does not name " + dropped);
                }
            }
        } else {
            if (meta.containsKey("interchange-dlq-truncated")) {
                wrong.add("truncated although it fits its destination");
            }
            if (!Arrays.equals(letter.body(), message.body)) {
                wrong.add("body is not the original: " + PoisonEvents.preview(letter.body()) + ", sent "
                        + PoisonEvents.preview(message.body));
            }
            for (Map.Entry<String, Object> header : message.admitted) {
                Object kept = letter.original().get(header.getKey());
                if (kept == null) {
                    wrong.add("lost the original header '" + header.getKey() + "'");
                } else if (!Arrays.equals(PoisonEvents.bytesOf(kept), PoisonEvents.bytesOf(header.getValue()))
                        && !(kept instanceof String text && header.getValue() instanceof byte[] bytes
                        && text.equals(java.util.Base64.getEncoder().encodeToString(bytes)))) {
                    wrong.add("original header '" + header.getKey() + "' changed");
                }
            }
        }
        for (String name : letter.original().keySet()) {
            if (ControlHeaders.isControl(name)) {
                wrong.add("carries the control header '" + name + "'");
            } else if (!message.admits.test(name) && !name.equals("interchange-key")) {
                wrong.add("carries '" + name + "', which the source does not admit");
            }
        }
        if (letter.key() != null && !letter.key().equals(message.key) && sink.startsWith("kafka:")) {
            wrong.add("keyed '" + letter.key() + "', the original's key is '" + message.key + "'");
        }
        if (!wrong.isEmpty()) {
            report.failures.add("WRONG DEAD LETTER: " + what + " (" + reason + "): " + String.join("; ", wrong));
        }
    }

    private static String locationHint(String route) {
        return route.startsWith("shipments") ? "ps-shipments" : "ps-invoices-issued";
    }

    /**
     * What arrived that no stream expects: events at a sink that no message should reach (poison that got
     * through, copies steered by a header), dead letters of messages that should have been delivered, anything
     * at the places a control header names. {@code ignore}: Kafka locations the test itself wrote to a topic
     * that is also a sink.
     */
    static List<String> unexpected(PoisonTaps taps, Set<String> ignore, Set<String> hijackSinks) {
        List<String> failures = new ArrayList<>();
        Map<String, Map<String, Message>> expectedEvents = new ConcurrentHashMap<>();
        Map<String, Message> expectedDeadLetters = new ConcurrentHashMap<>();
        Map<String, Message> byLocator = new ConcurrentHashMap<>();
        for (PoisonStream stream : ALL) {
            for (Message message : stream.messages) {
                message.outcomes.forEach((route, outcomes) -> {
                    String dlSink = stream.deadLetterSinks.get(route);
                    byLocator.put(dlSink + "|" + message.locators.get(route), message);
                    for (Outcome outcome : outcomes) {
                        if (outcome instanceof Deliver deliver) {
                            deliver.deliveries().forEach(d -> expectedEvents.computeIfAbsent(d.sink(),
                                    s -> new ConcurrentHashMap<>()).put(d.event().id(), message));
                        } else if (outcome instanceof DeadLetter) {
                            expectedDeadLetters.put(dlSink + "|" + route + "|" + message.locators.get(route), message);
                        }
                    }
                });
            }
        }
        Set<String> deadLetterSinks = deadLetterSinks();
        taps.all().forEach((sink, arrivals) -> {
            for (Arrival arrival : arrivals) {
                int before = failures.size();
                if (REPORTED.contains(arrival)) {
                    continue;
                }
                if (hijackSinks.contains(sink)) {
                    failures.add("HIJACKED: a message reached " + sink + ", which only a header names: " + describe(arrival));
                } else if (deadLetterSinks.contains(sink)) {
                    SeenDeadLetter letter = readDeadLetter(arrival);
                    if (!expectedDeadLetters.containsKey(sink + "|" + letter.route() + "|" + letter.locator())) {
                        Message message = byLocator.get(sink + "|" + letter.locator());
                        failures.add("UNEXPECTED DEAD LETTER at " + sink + " from route " + letter.route() + " ("
                                + (message == null ? "unknown message, locator " + letter.locator() : message) + "): "
                                + letter.meta().get("interchange-dlq-exception") + ": " + letter.meta().get("interchange-dlq-reason"));
                    }
                } else if (!(arrival.message() instanceof ConsumerRecord<?, ?> record
                        && ignore.contains("kafka:" + record.topic() + "/" + record.partition() + "@" + record.offset()))) {
                    SeenEvent event = readEvent(arrival);
                    if (!expectedEvents.getOrDefault(sink, Map.of()).containsKey(event.id())) {
                        failures.add("UNEXPECTED at " + sink + ": event id '" + event.id() + "' ("
                                + event.decoded().event() + ")");
                    }
                }
                if (failures.size() > before) {
                    REPORTED.add(arrival);
                }
            }
        });
        return failures;
    }

    private static String describe(Arrival arrival) {
        try {
            return readEvent(arrival).decoded().event().toString();
        } catch (RuntimeException e) {
            return String.valueOf(arrival.message());
        }
    }

    // ---- reading arrivals ----

    /** An arrival read as an event; {@code key} is the record key, interchange-key or message group. */
    record SeenEvent(Arrival arrival, String id, String key, Decoded decoded, List<String> headerNames) {
    }

    /**
     * An arrival read as a dead letter: the dead-letter metadata (on SQS unpacked from the interchange-dlq
     * attribute, under the header names of the other brokers), the original headers it kept, its body.
     */
    record SeenDeadLetter(Arrival arrival, String route, String locator, Map<String, String> meta,
            Map<String, Object> original, byte[] body, String key) {
    }

    /** Decoded arrivals: each is read once, not on every poll of {@link #complete}. */
    private static final Map<Arrival, Object> READ = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    static SeenEvent readEvent(Arrival arrival) {
        return (SeenEvent) READ.computeIfAbsent(arrival, PoisonStream::decodeEvent);
    }

    static SeenDeadLetter readDeadLetter(Arrival arrival) {
        return (SeenDeadLetter) READ.computeIfAbsent(arrival, PoisonStream::decodeDeadLetter);
    }

    private static SeenEvent decodeEvent(Arrival arrival) {
        Object message = arrival.message();
        Decoded decoded;
        String key;
        List<String> names = new ArrayList<>();
        if (message instanceof ConsumerRecord<?, ?> record) {
            List<Map.Entry<String, byte[]>> headers = new ArrayList<>();
            record.headers().forEach(h -> {
                headers.add(new java.util.AbstractMap.SimpleEntry<>(h.key(), h.value()));
                names.add(h.key());
            });
            decoded = PoisonEvents.fromKafka(headers, (byte[]) record.value());
            key = (String) record.key();
        } else if (message instanceof AmqpDelivery delivery) {
            Map<String, Object> headers = delivery.properties().getHeaders();
            decoded = PoisonEvents.fromAmqp(delivery.properties().getContentType(), headers, delivery.body());
            key = headers == null || headers.get("interchange-key") == null ? null : headers.get("interchange-key").toString();
            if (headers != null) {
                names.addAll(headers.keySet());
            }
        } else {
            software.amazon.awssdk.services.sqs.model.Message sqs = (software.amazon.awssdk.services.sqs.model.Message) message;
            decoded = PoisonEvents.fromSqs(sqs.messageAttributes(), sqs.body());
            key = sqs.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
            names.addAll(sqs.messageAttributes().keySet());
        }
        return new SeenEvent(arrival, decoded.event().id(), key, decoded, names);
    }

    private static SeenDeadLetter decodeDeadLetter(Arrival arrival) {
        Object message = arrival.message();
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Object> original = new LinkedHashMap<>();
        byte[] body;
        String key;
        String locator;
        if (message instanceof ConsumerRecord<?, ?> record) {
            record.headers().forEach(h -> {
                if (isMeta(h.key())) {
                    meta.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                } else {
                    original.put(h.key(), h.value() == null ? new byte[0] : h.value());
                }
            });
            body = record.value() == null ? new byte[0] : (byte[]) record.value();
            key = (String) record.key();
            locator = meta.get("interchange-dlq-original-location");
        } else if (message instanceof AmqpDelivery delivery) {
            Map<String, Object> headers = delivery.properties().getHeaders() == null ? Map.of()
                    : delivery.properties().getHeaders();
            headers.forEach((name, value) -> {
                if (isMeta(name)) {
                    meta.put(name, value.toString());
                } else {
                    original.put(name, value instanceof LongString ls ? ls.getBytes() : value);
                }
            });
            body = delivery.body();
            key = headers.get("interchange-key") == null ? null : headers.get("interchange-key").toString();
            locator = key;
        } else {
            software.amazon.awssdk.services.sqs.model.Message sqs = (software.amazon.awssdk.services.sqs.model.Message) message;
            sqs.messageAttributes().forEach((name, value) -> {
                if (!name.equals("interchange-dlq")) {
                    original.put(name, value);
                }
            });
            MessageAttributeValue packed = sqs.messageAttributes().get("interchange-dlq");
            if (packed != null) {
                try {
                    JsonNode document = JSON.readTree(packed.stringValue());
                    for (Iterator<Map.Entry<String, JsonNode>> fields = document.fields(); fields.hasNext(); ) {
                        Map.Entry<String, JsonNode> field = fields.next();
                        if (field.getKey().equals("headers")) {
                            field.getValue().fields().forEachRemaining(h -> original.put(h.getKey(), h.getValue().asText()));
                        } else {
                            meta.put(field.getKey().equals("ce-violations") ? "interchange-ce-violations"
                                    : "interchange-dlq-" + field.getKey(), field.getValue().asText());
                        }
                    }
                } catch (IOException e) {
                    meta.put("interchange-dlq-reason", "(interchange-dlq is not JSON: " + e.getMessage() + ")");
                }
            }
            body = "base64".equals(meta.get("interchange-dlq-body-encoding"))
                    ? java.util.Base64.getDecoder().decode(sqs.body()) : sqs.body().getBytes(StandardCharsets.UTF_8);
            key = sqs.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
            Matcher id = SQS_MESSAGE_ID.matcher(meta.getOrDefault("interchange-dlq-original-location", ""));
            locator = id.find() ? id.group(1) : null;
        }
        return new SeenDeadLetter(arrival, meta.get("interchange-dlq-route"), locator, meta, original, body, key);
    }

    private static boolean isMeta(String name) {
        return name.startsWith("interchange-dlq-") || name.equals("interchange-ce-violations");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The taps' arrivals by sink and event id, and dead letters by sink, route and locator. */
    private static final class Index {

        private final Map<String, Map<String, List<SeenEvent>>> events = new ConcurrentHashMap<>();
        private final Map<String, List<SeenDeadLetter>> deadLetters = new ConcurrentHashMap<>();

        Index(PoisonTaps taps) {
            Set<String> deadLetterSinks = deadLetterSinks();
            taps.all().forEach((sink, arrivals) -> {
                for (Arrival arrival : arrivals) {
                    if (deadLetterSinks.contains(sink)) {
                        SeenDeadLetter letter = readDeadLetter(arrival);
                        deadLetters.computeIfAbsent(sink + "|" + letter.route() + "|" + letter.locator(),
                                k -> new ArrayList<>()).add(letter);
                    } else {
                        SeenEvent event = readEvent(arrival);
                        events.computeIfAbsent(sink, s -> new ConcurrentHashMap<>())
                                .computeIfAbsent(event.id(), k -> new ArrayList<>()).add(event);
                    }
                }
            });
        }

        List<SeenEvent> events(String sink, String id) {
            return events.getOrDefault(sink, Map.of()).getOrDefault(id, List.of());
        }

        List<SeenDeadLetter> deadLetters(String sink, String route, String locator) {
            return deadLetters.getOrDefault(sink + "|" + route + "|" + locator, List.of());
        }
    }
}

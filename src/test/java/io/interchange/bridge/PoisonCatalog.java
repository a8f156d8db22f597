package io.interchange.bridge;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.LongStringHelper;
import io.interchange.bridge.PoisonEvents.Event;
import io.interchange.bridge.PoisonStream.DeadLetter;
import io.interchange.bridge.PoisonStream.Deliver;
import io.interchange.bridge.PoisonStream.Delivery;
import io.interchange.bridge.PoisonStream.Drop;
import io.interchange.bridge.PoisonStream.Message;
import io.interchange.bridge.PoisonStream.Outcome;
import io.interchange.cloudevents.InvalidCloudEventException;
import io.interchange.cloudevents.MalformedEvents;
import io.interchange.routing.UnroutableEventException;
import io.interchange.security.ControlHeaders;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * What the poison suite ({@link PoisonSuiteIT}) sends and what it expects: the renamed topics, queues and
 * exchanges of the shipped routes, the valid events of every stream (varied in what a bridge could get wrong),
 * the control headers, and per source broker every kind of poison that broker can carry, each with the outcome
 * on every route that reads it (delivered exactly, or dead-lettered with its exception and reason, whole or
 * truncated). Kinds come from the malformed corpus ({@code MalformedEvents}, in the source's binding) and
 * from what only a broker's wire can say: repeated and case-twin names, bytes that are not UTF-8, native AMQP
 * and SQS types, sizes over the sinks' and dead-letter destinations' limits, unroutable events.
 */
final class PoisonCatalog {

    private PoisonCatalog() {
    }

    // Route ids (routes/*.yaml)
    static final String KAFKA_TO_RABBITMQ = "orders-kafka-to-rabbitmq";
    static final String KAFKA_TO_SQS = "orders-kafka-to-sqs";
    static final String RABBITMQ_TO_KAFKA = "shipments-rabbitmq-to-kafka";
    static final String RABBITMQ_TO_SQS = "invoices-rabbitmq-to-sqs";
    static final String SQS_TO_KAFKA = "orders-sqs-to-kafka";
    static final String SQS_TO_RABBITMQ = "invoices-sqs-to-rabbitmq";
    static final String ROUTER = "orders-router";

    // Kafka
    static final String ORDERS_TOPIC = "ps-orders";
    static final String ORDERS_DLT = "ps-orders.dlt";
    static final String SHIPMENTS_TOPIC = "ps-shipments";
    static final String ROUTER_TOPIC = "ps-order-events";
    static final String ROUTER_DLT = "ps-order-events.dlt";
    static final List<String> ROUTER_SINK_TOPICS = List.of("ps-orders.routed", "ps-orders.payments",
            "ps-orders.eu", "ps-orders.priority");
    // RabbitMQ
    static final String ORDERS_EXCHANGE = "ps-orders";
    static final String INVOICES_EXCHANGE = "ps-invoices";
    static final String DLX = "ps-dlx";
    static final String ORDERS_CREATED_QUEUE = "ps-orders-created";
    static final String ORDERS_ROUTED_QUEUE = "ps-orders-routed";
    static final String ORDERS_CANCELLED_QUEUE = "ps-orders-cancelled";
    static final String INVOICES_PAID_QUEUE = "ps-invoices-paid";
    static final String DEAD_LETTER_QUEUE = "ps-dead-letters";
    static final String SHIPMENTS_QUEUE = "ps-shipments";
    static final String INVOICES_ISSUED_QUEUE = "ps-invoices-issued";
    static final String STOLEN_QUEUE = "ps-stolen";
    /** Bigger dead letters of invoices-rabbitmq-to-sqs than this are truncated: the RabbitMQ sink's maxBodyBytes. */
    static final int INVOICES_DLX_MAX_BYTES = 65_536;
    // SQS
    static final String ORDERS_IN = "ps-orders-in.fifo";
    static final String ORDERS_OUT = "ps-orders-out.fifo";
    static final String INVOICES_ISSUED = "ps-invoices-issued.fifo";
    static final String INVOICES_PAID = "ps-invoices-paid.fifo";
    static final String ORDERS_IN_DLQ = "ps-orders-in-dlq";
    static final String INVOICES_DLQ = "ps-invoices-dlq";
    /** What every control header points at: a topic, exchange, routing key, queue and group that must stay unused. */
    static final String HIJACK = "ps-hijacked";

    static final int KIB = 1024;
    static final int MIB = 1024 * KIB;
    /** Run-unique part of every event id: SQS FIFO sinks de-duplicate by event for 5 minutes. */
    static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);

    /** Partitions of the Kafka topics the routes write to. */
    static final Map<String, Integer> SINK_PARTITIONS = Map.of(ORDERS_TOPIC, 3, SHIPMENTS_TOPIC, 3,
            "ps-orders.routed", 1, "ps-orders.payments", 1, "ps-orders.eu", 1, "ps-orders.priority", 1);

    // ---- valid events ----

    /** A valid event of a stream: what it is, the event, whether it goes in structured mode, with control headers. */
    record Good(String kind, Event event, boolean structured, boolean controlHeaders) {
    }

    static final int GOOD_KINDS = 15;

    /** The n-th valid event of a source; {@code amqp} adds the AMQP binding's own kinds. */
    static Good good(int n, String id, String source, boolean amqp) {
        int kinds = GOOD_KINDS + (amqp ? 2 : 0);
        String type = "com.example.poison.checked";
        return switch (n % kinds) {
            case 0 -> new Good("text (non-ASCII UTF-8)", Event.of(id, source, type, "text/plain; charset=utf-8",
                    PoisonEvents.utf8(id + " Grüße, 東京, 😀 \t\r\n end")), false, false);
            case 1 -> new Good("JSON data, subject, time, dataschema", Event.of(id, source, type, "application/json",
                    PoisonEvents.utf8("{\"orderId\":\"" + id + "\",\"amount\":12.5,\"lines\":[1,2,3],\"note\":null}"))
                    .with("subject", "order-" + n).with("time", "2026-01-25T10:30:00.123+01:00")
                    .with("dataschema", "https://schemas.example.com/order.json"), false, false);
            case 2 -> new Good("binary data (application/octet-stream)", Event.of(id, source, type,
                    "application/octet-stream", binary(n, 300)), false, false);
            case 3 -> {
                Event event = Event.of(id, source, type, "text/plain", PoisonEvents.utf8("many attributes " + id));
                for (int i = 0; i < 12; i++) {
                    event = event.with("ext" + i, "value-" + i);
                }
                yield new Good("17 attributes (more than SQS's 10)", event, false, false);
            }
            case 4 -> {
                Event event = Event.of(id, source, type, "text/plain", PoisonEvents.utf8("ten attributes " + id));
                for (int i = 0; i < 5; i++) {
                    event = event.with("ext" + i, "value-" + i);
                }
                yield new Good("exactly 10 attributes (SQS's limit)", event, false, false);
            }
            case 5 -> new Good("no data", Event.of(id, source, type, null, null), false, false);
            case 6 -> new Good("200 KiB of text", Event.of(id, source, type, "text/plain",
                    PoisonEvents.utf8(id + " " + "0123456789abcdef".repeat(200 * KIB / 16))), false, false);
            case 7 -> new Good("integer and boolean extensions (structured)", Event.of(id, source, type, "text/plain",
                    PoisonEvents.utf8("typed " + id)).with("count", 42).with("flagged", true), true, false);
            case 8 -> new Good("structured, JSON data", Event.of(id, source, type, "application/json",
                    PoisonEvents.utf8("{\"orderId\":\"" + id + "\",\"nested\":{\"a\":[true,false]}}")), true, false);
            case 9 -> new Good("structured, binary data (data_base64)", Event.of(id, source, type,
                    "application/octet-stream", binary(n, 100)), true, false);
            case 10 -> new Good("control headers on a valid event", Event.of(id, source, type, "text/plain",
                    PoisonEvents.utf8("steer me " + id)), false, true);
            case 11 -> new Good("partitionkey extension", Event.of(id, source, type, "text/plain",
                    PoisonEvents.utf8("keyed " + id)).with("partitionkey", "pk-" + n % 3), false, false);
            case 12 -> new Good("structured, JSON data without datacontenttype", Event.of(id, source, type, null,
                    PoisonEvents.utf8("{\"implied\":\"" + id + "\"}")), true, false);
            case 13 -> new Good("text data with Unicode noncharacters (U+FFFE, U+FFFF)", Event.of(id, source, type,
                    "text/plain; charset=utf-8", PoisonEvents.utf8("nonchar \uFFFE and \uFFFF in " + id)), false, false);
            case 14 -> new Good("a subject with a Unicode noncharacter (U+FFFF)", Event.of(id, source, type, "text/plain",
                    PoisonEvents.utf8("subject " + id)).with("subject", "order-\uFFFF-" + n), false, false);
            case 15 -> new Good("AMQP cloudEvents_ prefix", Event.of(id, source, type, "text/plain",
                    PoisonEvents.utf8("underscore " + id)).with("subject", "s-" + n), false, false);
            default -> new Good("AMQP native integer, boolean and timestamp", Event.of(id, source, type, "text/plain",
                    PoisonEvents.utf8("native " + id)).with("count", 7).with("flagged", false)
                    .with("time", "2026-01-25T10:30:00Z"), false, false);
        };
    }

    /** Data that is not UTF-8: random bytes (seeded by n), starting with 0xff and NUL. */
    static byte[] binary(int n, int length) {
        byte[] data = new byte[length];
        new Random(n).nextBytes(data);
        data[0] = (byte) 0xff;
        data[1] = 0;
        return data;
    }

    /**
     * The event as a route reads it: from a binding that carries every attribute as a string ({@code stringsOnly}:
     * Kafka and SQS binary) with string values; a structured event with JSON data and no datacontenttype states
     * {@code application/json} once written in binary mode (docs/cloudevents.md).
     */
    static Event asRead(Event event, boolean structured, boolean stringsOnly) {
        Event read = structured || !stringsOnly ? event : event.stringified();
        return structured && read.contentType() == null && read.data() != null
                ? read.with("datacontenttype", "application/json") : read;
    }

    static String keyOf(Event event, String key) {
        Object partitionKey = event.attributes().get("partitionkey");
        return partitionKey == null ? key : partitionKey.toString();
    }

    static Message goodKafkaMessage(String tag, String key, int n) {
        Good good = good(n, tag, "/poison-suite/kafka", false);
        Event read = asRead(good.event(), good.structured(), true);
        List<Map.Entry<String, Object>> headers = new ArrayList<>();
        if (good.structured()) {
            headers.add(header("content-type", PoisonEvents.STRUCTURED));
        } else {
            PoisonEvents.kafkaHeaders(good.event()).forEach(h -> headers.add(header(h.getKey(), h.getValue())));
        }
        if (good.controlHeaders()) {
            headers.addAll(controlHeaders());
        }
        Message message = kafkaMessage(tag, "good: " + good.kind(), false, key, headers, good.structured()
                ? PoisonEvents.structured(good.event()) : good.event().data());
        message.expect(KAFKA_TO_RABBITMQ, new Deliver(new Delivery("rabbitmq:" + ORDERS_CREATED_QUEUE, read, key)));
        message.expect(KAFKA_TO_SQS, new Deliver(new Delivery("sqs:" + ORDERS_OUT, read, key)));
        return message;
    }

    static Message goodRouterMessage(String tag, String key, int n) {
        String source = "/poison-suite/router";
        byte[] json = PoisonEvents.utf8("{\"orderId\":\"" + tag + "\"}");
        String kind;
        Event event;
        List<Delivery> to = new ArrayList<>();
        switch (n % 9) {
            case 0, 1 -> {
                kind = "order.created: fan-out to Kafka, RabbitMQ and SQS";
                event = Event.of(tag, source, "com.example.orders.order.created", "application/json", json);
                to.add(new Delivery("kafka:ps-orders.routed", event, key));
                to.add(new Delivery("rabbitmq:" + ORDERS_ROUTED_QUEUE, event, key));
                to.add(new Delivery("sqs:" + ORDERS_OUT, event, key));
            }
            case 2 -> {
                kind = "order.created with binary data: fan-out";
                event = Event.of(tag, source, "com.example.orders.order.created", "application/octet-stream", binary(n, 64));
                to.add(new Delivery("kafka:ps-orders.routed", event, key));
                to.add(new Delivery("rabbitmq:" + ORDERS_ROUTED_QUEUE, event, key));
                to.add(new Delivery("sqs:" + ORDERS_OUT, event, key));
            }
            case 3 -> {
                kind = "payment -> Kafka";
                event = Event.of(tag, source, "com.example.orders.payment.received", "application/json", json);
                to.add(new Delivery("kafka:ps-orders.payments", event, key));
            }
            case 4 -> {
                kind = "cancelled -> RabbitMQ";
                event = Event.of(tag, source, "com.example.orders.order.cancelled", "text/plain", PoisonEvents.utf8(tag));
                to.add(new Delivery("rabbitmq:" + ORDERS_CANCELLED_QUEUE, event, key));
            }
            case 5 -> {
                kind = "shipment.updated -> SQS";
                event = Event.of(tag, source, "com.example.orders.shipment.updated", "text/plain", PoisonEvents.utf8(tag));
                to.add(new Delivery("sqs:" + ORDERS_OUT, event, key));
            }
            case 6 -> {
                kind = "region eu -> Kafka, keyed by partitionkey";
                event = Event.of(tag, source, "com.example.orders.order.updated", "text/plain", PoisonEvents.utf8(tag))
                        .with("region", "eu").with("subject", "order-" + n).with("partitionkey", "pk-eu");
                to.add(new Delivery("kafka:ps-orders.eu", event, "pk-eu"));
            }
            case 7 -> {
                kind = "priority high in the data -> Kafka";
                event = Event.of(tag, source, "com.example.orders.order.updated", "application/json",
                        PoisonEvents.utf8("{\"orderId\":\"" + tag + "\",\"priority\":\"high\"}"));
                to.add(new Delivery("kafka:ps-orders.priority", event, key));
            }
            default -> {
                kind = "test traffic: filtered out, goes nowhere";
                event = Event.of(tag, "/test/poison-suite", "com.example.orders.order.created", "application/json", json);
            }
        }
        boolean control = n % 4 == 0;
        List<Map.Entry<String, Object>> headers = new ArrayList<>();
        PoisonEvents.kafkaHeaders(event).forEach(h -> headers.add(header(h.getKey(), h.getValue())));
        if (control) {
            headers.addAll(controlHeaders());
        }
        Message message = kafkaMessage(tag, "good: " + kind + (control ? ", control headers" : ""), false, key, headers,
                event.data());
        return message.expect(ROUTER, to.isEmpty() ? new Drop() : new Deliver(to));
    }

    static Message goodAmqpMessage(String tag, int n) {
        Good good = good(n, tag, "/poison-suite/rabbitmq", true);
        Map<String, Object> headers = new LinkedHashMap<>();
        String contentType = good.event().contentType();
        byte[] body = good.event().data();
        if (good.structured()) {
            contentType = PoisonEvents.STRUCTURED;
            body = PoisonEvents.structured(good.event());
        } else if (good.kind().contains("cloudEvents_")) {
            PoisonEvents.amqpHeaders(good.event()).forEach((name, value) -> headers.put(
                    name.replace("cloudEvents:", "cloudEvents_"), value));
        } else {
            headers.putAll(PoisonEvents.amqpHeaders(good.event()));
            if (good.kind().contains("timestamp")) {
                headers.put("cloudEvents:time", Date.from(java.time.Instant.parse("2026-01-25T10:30:00Z")));
            }
        }
        if (good.controlHeaders()) {
            headers.putAll(amqpControlHeaders());
        }
        headers.put("interchange-key", tag);
        Event read = asRead(good.event(), good.structured(), false);
        Message message = amqpMessage(tag, "good: " + good.kind(), false, new AmqpWire(contentType, headers, body));
        message.expect(RABBITMQ_TO_KAFKA, new Deliver(new Delivery("kafka:" + SHIPMENTS_TOPIC, read, keyOf(read, tag))));
        message.expect(RABBITMQ_TO_SQS, new Deliver(new Delivery("sqs:" + INVOICES_ISSUED, read, tag)));
        return message;
    }

    static Message goodSqsMessage(String tag, String group, int n) {
        Good good = good(n, tag, "/poison-suite/sqs", false);
        // SQS carries in binary mode only what fits its 10 attributes and text bodies: the rest goes structured.
        boolean structured = good.structured() || good.controlHeaders() || PoisonEvents.sqsMode(good.event()).equals("structured");
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        String body;
        if (structured) {
            attributes.put("content-type", PoisonEvents.text(PoisonEvents.STRUCTURED));
            body = new String(PoisonEvents.structured(good.event()), StandardCharsets.UTF_8);
        } else {
            attributes.putAll(PoisonEvents.sqsAttributes(good.event()));
            body = new String(good.event().data(), StandardCharsets.UTF_8);
        }
        if (good.controlHeaders()) {
            attributes.putAll(sqsControlAttributes());
        }
        Event read = asRead(good.event(), structured, true);
        String key = keyOf(read, group);
        Message message = sqsMessage(tag, "good: " + good.kind() + (structured && !good.structured() ? " (sent structured)" : ""),
                false, group, new SqsWire(attributes, body));
        // On through Kafka (binary mode: every attribute a string) and both Kafka routes.
        Event viaKafka = read.stringified();
        message.expect(SQS_TO_KAFKA, new Deliver(new Delivery("kafka:" + ORDERS_TOPIC, read, key),
                new Delivery("rabbitmq:" + ORDERS_CREATED_QUEUE, viaKafka, key),
                new Delivery("sqs:" + ORDERS_OUT, viaKafka, key)));
        message.expect(SQS_TO_RABBITMQ, new Deliver(new Delivery("rabbitmq:" + INVOICES_PAID_QUEUE, read, group)));
        return message;
    }

    // ---- control headers ----

    /** Headers that steer the components in use, pointed at {@link #HIJACK}, some in two letter cases. */
    static List<Map.Entry<String, Object>> controlHeaders() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("kafka.OVERRIDE_TOPIC", HIJACK);
        values.put("KAFKA.override_topic", HIJACK);
        values.put("kafka.KEY", HIJACK);
        values.put("KAFKA.key", HIJACK);
        values.put("kafka.PARTITION_KEY", "2");
        values.put("kafka.OVERRIDE_TIMESTAMP", "1000");
        values.put("CamelKafkaManualCommit", HIJACK);
        values.put("CamelSpringRabbitmqRoutingOverrideKey", HIJACK);
        values.put("camelspringrabbitmqroutingoverridekey", HIJACK);
        values.put("CamelSpringRabbitmqExchangeOverrideName", HIJACK);
        values.put("CamelSpringRabbitmqExpiration", "1");
        values.put("CamelAwsSqsDelaySeconds", "900");
        values.put("CamelAwsMessageGroupId", HIJACK);
        values.put("InterchangeMessageGroupId", HIJACK);
        values.put("INTERCHANGEMESSAGEGROUPID", HIJACK);
        values.put("InterchangeMessageDeduplicationId", "same-for-everyone");
        values.put("InterchangeRoutingKey", HIJACK);
        values.put("InterchangeDeliveryAttempt", "99");
        values.put("CC", HIJACK);
        values.put("BCC", HIJACK);
        values.put("x-delay", "900000");
        values.put("Long-Running-Action", "http://127.0.0.1:9/lra-coordinator/" + HIJACK);
        values.put("sqs.MESSAGE_ID", HIJACK);
        // No control headers, but no Kafka source admits them: a dead letter's own header and the AMQP key.
        values.put("interchange-dlq-route", HIJACK);
        values.put("interchange-key", HIJACK);
        List<Map.Entry<String, Object>> headers = new ArrayList<>();
        values.forEach((name, value) -> headers.add(header(name, value)));
        return headers;
    }

    static Map<String, Object> amqpControlHeaders() {
        Map<String, Object> headers = new LinkedHashMap<>();
        controlHeaders().stream().filter(h -> !h.getKey().equals("interchange-key"))
                .forEach(h -> headers.put(h.getKey(), h.getValue()));
        // RabbitMQ itself acts on CC at the test's publish (the default exchange has no queue of that name); the
        // gateway must not carry it on. BCC the broker removes before delivery.
        headers.put("CC", List.of(HIJACK));
        headers.put("BCC", List.of(HIJACK));
        headers.put("x-delay", 900_000);
        return headers;
    }

    /** Nine control attributes (beside content-type, SQS takes 10), names SQS allows. */
    static Map<String, MessageAttributeValue> sqsControlAttributes() {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        for (String name : List.of("kafka.OVERRIDE_TOPIC", "KAFKA.key", "kafka.PARTITION_KEY",
                "CamelSpringRabbitmqRoutingOverrideKey", "InterchangeMessageGroupId", "InterchangeMessageDeduplicationId",
                "InterchangeRoutingKey", "CamelAwsSqsDelaySeconds", "interchange-dlq-route")) {
            attributes.put(name, PoisonEvents.text(name.contains("PARTITION") ? "2" : name.contains("Delay") ? "900" : HIJACK));
        }
        return attributes;
    }

    // ---- poison ----

    /** A kind of poison: makes the message with a unique tag and the source's key. */
    @FunctionalInterface
    interface Poison {
        Message message(String tag, String key);
    }

    /**
     * Poison for a Kafka source. {@code id}: the ce_id value to replace by the message's tag, so events stay
     * apart in the reports (the corpus names its events after their case); null to send the headers as they are.
     */
    static Poison kafkaPoison(String kind, List<Map.Entry<String, Object>> headers, byte[] value, String id,
            Map<String, Outcome> outcomes) {
        return (tag, key) -> {
            List<Map.Entry<String, Object>> wire = new ArrayList<>();
            headers.forEach(h -> wire.add(h.getKey().equals("ce_id") && h.getValue() != null && h.getValue().equals(id)
                    ? header("ce_id", tag) : h));
            Message message = kafkaMessage(tag, kind, true, key, wire, value);
            outcomes.forEach(message::expect);
            return message;
        };
    }

    static Poison invalidForBoth(String kind, List<Map.Entry<String, Object>> headers, byte[] value, String id,
            String... reason) {
        DeadLetter letter = new DeadLetter(InvalidCloudEventException.class, reason);
        return kafkaPoison(kind, headers, value, id, Map.of(KAFKA_TO_RABBITMQ, letter, KAFKA_TO_SQS, letter));
    }

    static List<Poison> kafkaPoisons() {
        List<Poison> poisons = new ArrayList<>();
        for (MalformedEvents.Case c : MalformedEvents.all()) {
            if (!c.encodableAsUtf8()) {
                continue; // a Kafka header is UTF-8 bytes: an unpaired surrogate cannot be written
            }
            // Read with binding: kafka, a message with AMQP attribute headers only is no event at all.
            boolean amqpOnly = c.wire().stream().anyMatch(h -> h.getKey().startsWith("cloudEvents"))
                    && c.wire().stream().noneMatch(h -> h.getKey().toLowerCase(Locale.ROOT).startsWith("ce_"));
            poisons.add(invalidForBoth("invalid: " + c.name(), c.wire(), c.body(), c.name(),
                    amqpOnly ? "not a CloudEvent: no ce_* headers" : c.reason()));
        }
        List<Map.Entry<String, Object>> valid = kafkaValid();
        poisons.add(invalidForBoth("no CloudEvent at all: a plain payload without headers", List.of(),
                PoisonEvents.utf8("just some bytes"), null, "not a CloudEvent: no ce_* headers and the content type is not set"));
        poisons.add(invalidForBoth("repeated: ce_id twice with the same value", with(valid, header("ce_id", "x")), data(), "x",
                "header 'ce_id' appears more than once"));
        poisons.add(invalidForBoth("repeated: ce_id and ce_ıd (a Unicode case twin)", with(valid, header("ce_ıd", "other")),
                data(), "x", "differ only in letter case"));
        poisons.add(invalidForBoth("repeated: content-type and Content-Type", with(valid, header("Content-Type", "text/plain")),
                data(), "x", "headers 'content-type' and 'Content-Type' differ only in letter case"));
        poisons.add(invalidForBoth("repeated: ce_source twice, other values", with(valid, header("ce_source", "/elsewhere")),
                data(), "x", "header 'ce_source' appears more than once"));
        poisons.add(invalidForBoth("not UTF-8: the ce_id value", replace(valid, "ce_id", new byte[] {'i', (byte) 0xc3, 0x28}),
                data(), null, "header 'ce_id' is not valid UTF-8"));
        poisons.add(invalidForBoth("not UTF-8: the content-type value", replace(valid, "content-type",
                new byte[] {'t', 'e', 'x', 't', '/', (byte) 0xff}), data(), "x", "header 'content-type' is not valid UTF-8"));
        poisons.add(invalidForBoth("not UTF-8: overlong encoding in ce_subject", with(valid, header("ce_subject",
                new byte[] {'a', (byte) 0xc0, (byte) 0xaf})), data(), "x", "header 'ce_subject' is not valid UTF-8"));
        poisons.add(invalidForBoth("not UTF-8: encoded surrogate in ce_subject", with(valid, header("ce_subject",
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})), data(), "x", "header 'ce_subject' is not valid UTF-8"));
        poisons.add(invalidForBoth("not UTF-8: application/json data", valid, new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'},
                "x", "data is not valid JSON"));
        poisons.add(invalidForBoth("empty: a ce_id header without a value", replace(valid, "ce_id", null), data(), null,
                "required attribute 'id' is empty"));
        poisons.add(invalidForBoth("reserved: a ce_data header", with(valid, header("ce_data", "x")), data(), "x",
                "'data' is reserved for the event data"));
        List<Map.Entry<String, Object>> controlled = new ArrayList<>(without(valid, "ce_type"));
        controlled.addAll(controlHeaders());
        poisons.add(invalidForBoth("control headers on an invalid event", controlled, data(), "x",
                "required attribute 'type' is missing"));
        // 1.5 MiB: the source topic takes it, the dead-letter topic (1 MiB) does not.
        DeadLetter hugeInvalid = new DeadLetter(InvalidCloudEventException.class, "required attribute 'type' is missing").asTruncated();
        poisons.add(kafkaPoison("too large for the dead-letter topic: invalid, 1.5 MiB", without(valid, "ce_type"),
                PoisonEvents.utf8("x".repeat(3 * MIB / 2)), "x", Map.of(KAFKA_TO_RABBITMQ, hugeInvalid, KAFKA_TO_SQS, hugeInvalid)));
        poisons.add(kafkaPoison("too large for both sinks and the dead-letter topic: valid, 1.5 MiB",
                replace(valid, "content-type", "application/octet-stream"), binary(7, 3 * MIB / 2), "x", Map.<String, Outcome>of(
                KAFKA_TO_RABBITMQ, new DeadLetter(MessageTooLargeException.class,
                        "exceeds the limit of 1048576 bytes of RabbitMQ exchange '" + ORDERS_EXCHANGE + "'").asTruncated(),
                KAFKA_TO_SQS, new DeadLetter(MessageTooLargeException.class,
                        "exceeds the limit of 262144 bytes of SQS queue '" + ORDERS_OUT + "'").asTruncated())));
        poisons.add((tag, key) -> {
            Event event = Event.of(tag, "/poison-suite/kafka", "com.example.poison.checked", "text/plain",
                    PoisonEvents.utf8("y".repeat(300 * KIB)));
            List<Map.Entry<String, Object>> headers = new ArrayList<>();
            PoisonEvents.kafkaHeaders(event).forEach(h -> headers.add(header(h.getKey(), h.getValue())));
            return kafkaMessage(tag, "too large for the SQS sink only: valid, 300 KiB", true, key, headers, event.data())
                    .expect(KAFKA_TO_RABBITMQ, new Deliver(new Delivery("rabbitmq:" + ORDERS_CREATED_QUEUE, event, key)))
                    .expect(KAFKA_TO_SQS, new DeadLetter(MessageTooLargeException.class,
                            "exceeds the limit of 262144 bytes of SQS queue '" + ORDERS_OUT + "'"));
        });
        return poisons;
    }

    static List<Poison> routerPoisons() {
        List<Poison> poisons = new ArrayList<>();
        List<Map.Entry<String, Object>> valid = kafkaValid();
        for (String name : List.of("missing type", "specversion 0.3", "invalid JSON", "JSON content type but the data is not JSON",
                "charset=utf-8 but not UTF-8", "id header twice in different letter case", "source header not UTF-8",
                "structured unpaired surrogate", "data and data_base64", "deep nesting")) {
            MalformedEvents.Case c = MalformedEvents.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            poisons.add(routerPoison("invalid: " + name, c.wire(), c.body(), c.name(),
                    new DeadLetter(InvalidCloudEventException.class, c.reason())));
        }
        String unroutable = "no rule of orders-router matches type ";
        poisons.add(routerPoison("unroutable: unknown type, JSON data", replace(valid, "ce_type", "com.example.billing.invoice.archived"),
                data(), "x", new DeadLetter(UnroutableEventException.class,
                        unroutable + "'com.example.billing.invoice.archived' from '/orders/order-service'")));
        poisons.add(routerPoison("unroutable: unknown type, text data that is no JSON",
                replace(replace(valid, "ce_type", "com.example.orders.order.archived"), "content-type", "text/plain"),
                PoisonEvents.utf8("{not json"), "x", new DeadLetter(UnroutableEventException.class,
                        unroutable + "'com.example.orders.order.archived'")));
        poisons.add(routerPoison("unroutable: region eu, a subject the rule does not take",
                with(with(replace(valid, "ce_type", "com.example.orders.order.updated"), header("ce_region", "eu")),
                        header("ce_subject", "order-abc")), data(), "x", new DeadLetter(UnroutableEventException.class,
                        unroutable + "'com.example.orders.order.updated'")));
        poisons.add(routerPoison("unroutable: priority low", replace(valid, "ce_type", "com.example.orders.order.updated"),
                PoisonEvents.utf8("{\"priority\":\"low\"}"), "x", new DeadLetter(UnroutableEventException.class,
                        unroutable + "'com.example.orders.order.updated'")));
        List<Map.Entry<String, Object>> controlled = new ArrayList<>(replace(valid, "ce_type", "com.example.nobody.wants.it"));
        controlled.addAll(controlHeaders());
        poisons.add(routerPoison("unroutable, with control headers", controlled, data(), "x", new DeadLetter(
                UnroutableEventException.class, unroutable + "'com.example.nobody.wants.it'")));
        poisons.add(routerPoison("too large for the dead-letter topic: invalid, 1.5 MiB", without(valid, "ce_type"),
                PoisonEvents.utf8("z".repeat(3 * MIB / 2)), "x", new DeadLetter(InvalidCloudEventException.class,
                        "required attribute 'type' is missing").asTruncated()));
        // order.created with 300 KiB of data: the Kafka and RabbitMQ branches of the fan-out take it, SQS cannot.
        poisons.add((tag, key) -> {
            Event event = Event.of(tag, "/poison-suite/router", "com.example.orders.order.created", "text/plain",
                    PoisonEvents.utf8("w".repeat(300 * KIB)));
            List<Map.Entry<String, Object>> headers = new ArrayList<>();
            PoisonEvents.kafkaHeaders(event).forEach(h -> headers.add(header(h.getKey(), h.getValue())));
            return kafkaMessage(tag, "fan-out partly too large: 300 KiB order.created (SQS refuses)", true, key, headers,
                    event.data())
                    .expect(ROUTER, new Deliver(new Delivery("kafka:ps-orders.routed", event, key),
                            new Delivery("rabbitmq:" + ORDERS_ROUTED_QUEUE, event, key)))
                    .expect(ROUTER, new DeadLetter(MessageTooLargeException.class,
                            "exceeds the limit of 262144 bytes of SQS queue '" + ORDERS_OUT + "'"));
        });
        return poisons;
    }

    static Poison routerPoison(String kind, List<Map.Entry<String, Object>> headers, byte[] value, String id,
            DeadLetter letter) {
        return kafkaPoison(kind, headers, value, id, Map.of(ROUTER, letter));
    }

    /** A valid event in the Kafka binding, with the id "x" (replaced by each message's tag). */
    static List<Map.Entry<String, Object>> kafkaValid() {
        List<Map.Entry<String, Object>> headers = new ArrayList<>();
        MalformedEvents.validKafkaHeaders("x").forEach((name, value) -> headers.add(header(name, value)));
        return headers;
    }

    static byte[] data() {
        return MalformedEvents.validData("x");
    }

    /** A message as a RabbitMQ source gets it: the AMQP content-type property, headers, body. */
    record AmqpWire(String contentType, Map<String, Object> headers, byte[] body) {
    }

    /** Poison for a RabbitMQ source; the interchange-key (the dead letter's locator) is the tag. */
    static Poison amqpPoison(String kind, AmqpWire wire, String id, Map<String, Outcome> outcomes) {
        return (tag, key) -> {
            Map<String, Object> headers = new LinkedHashMap<>();
            wire.headers().forEach((name, value) -> headers.put(name, name.equals("cloudEvents:id") && value.equals(id)
                    ? tag : value));
            headers.put("interchange-key", tag);
            Message message = amqpMessage(tag, kind, true, new AmqpWire(wire.contentType(), headers, wire.body()));
            outcomes.forEach(message::expect);
            return message;
        };
    }

    /** Invalid on both RabbitMQ routes; truncated on invoices' dead-letter exchange when it exceeds its 64 KiB. */
    static Poison amqpInvalid(String kind, AmqpWire wire, String id, String... reason) {
        DeadLetter letter = new DeadLetter(InvalidCloudEventException.class, reason);
        long size = (wire.body() == null ? 0 : wire.body().length) + 4 * KIB + wire.headers().entrySet().stream()
                .mapToLong(h -> h.getKey().length() + PoisonEvents.bytesOf(h.getValue()).length).sum();
        return amqpPoison(kind, wire, id, Map.of(RABBITMQ_TO_KAFKA, letter,
                RABBITMQ_TO_SQS, size > INVOICES_DLX_MAX_BYTES ? letter.asTruncated() : letter));
    }

    /** The Kafka corpus case in the AMQP binding, when it translates (lower-case ce_ names, no repeats or bytes). */
    static AmqpWire toAmqp(MalformedEvents.Case c) {
        if (c.wireOnly() || !c.encodableAsUtf8()) {
            return null;
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        String contentType = null;
        for (Map.Entry<String, Object> header : c.wire()) {
            if (header.getKey().equals("content-type")) {
                contentType = (String) header.getValue();
            } else if (header.getKey().startsWith("ce_")) {
                headers.put("cloudEvents:" + header.getKey().substring(3), header.getValue());
            } else {
                return null;
            }
        }
        return new AmqpWire(contentType, headers, c.body());
    }

    static List<Poison> amqpPoisons() {
        List<Poison> poisons = new ArrayList<>();
        for (MalformedEvents.Case c : MalformedEvents.all()) {
            AmqpWire wire = toAmqp(c);
            if (wire != null) {
                poisons.add(amqpInvalid("invalid: " + c.name(), wire, c.name(), c.reason().replace("ce_", "cloudEvents:")
                        .replace("kafka binding", "amqp binding")));
            }
        }
        for (MalformedEvents.Case c : MalformedEvents.amqp()) {
            if (!c.encodableAsUtf8()) {
                continue; // the AMQP client writes an unpaired surrogate as '?': RabbitMQ cannot carry it
            }
            Map<String, Object> headers = new LinkedHashMap<>(c.headers());
            String contentType = (String) headers.remove("Content-Type");
            poisons.add(amqpInvalid("invalid AMQP: " + c.name(), new AmqpWire(contentType, headers, c.body()), c.name(),
                    c.reason()));
        }
        Map<String, Object> valid = amqpValid();
        poisons.add(amqpInvalid("no CloudEvent at all: a plain payload without headers", new AmqpWire(null, Map.of(),
                PoisonEvents.utf8("just some bytes")), null, "not a CloudEvent: no cloudEvents:* headers and the content type"
                + " is not set"));
        poisons.add(amqpInvalid("repeated: cloudEvents:id and cloudEvents:ID", new AmqpWire("application/json",
                with(valid, "cloudEvents:ID", "other"), data()), "x", "differ only in letter case"));
        poisons.add(amqpInvalid("repeated: cloudEvents:id and cloudevents:id", new AmqpWire("application/json",
                with(valid, "cloudevents:id", "other"), data()), "x", "differ only in letter case"));
        poisons.add(amqpInvalid("repeated: cloudEvents:id and cloudEvents_id", new AmqpWire("application/json",
                with(valid, "cloudEvents_id", "other"), data()), "x", "attribute headers mix the prefixes"));
        poisons.add(amqpInvalid("not UTF-8: a cloudEvents:subject long string", new AmqpWire("application/json",
                with(valid, "cloudEvents:subject", LongStringHelper.asLongString(new byte[] {'o', (byte) 0xff, 'k'})), data()),
                "x", "header 'cloudEvents:subject' is not valid UTF-8"));
        poisons.add(amqpInvalid("not UTF-8: cloudEvents:id an encoded surrogate", new AmqpWire("application/json",
                with(valid, "cloudEvents:id", LongStringHelper.asLongString(new byte[] {(byte) 0xed, (byte) 0xb0, (byte) 0x80})),
                data()), null, "header 'cloudEvents:id' is not valid UTF-8"));
        poisons.add(amqpInvalid("not UTF-8: data declared charset=utf-8", new AmqpWire("text/plain; charset=utf-8", valid,
                new byte[] {'a', (byte) 0xc3, 0x28}), "x", "data is not valid UTF-8 although datacontenttype"));
        poisons.add(amqpInvalid("AMQP type: cloudEvents:id as a byte array", new AmqpWire("application/json",
                with(valid, "cloudEvents:id", new byte[] {'i', 'd'}), data()), null,
                "header 'cloudEvents:id' is binary, which is not a type the AMQP binding gives the attribute 'id'"));
        poisons.add(amqpInvalid("AMQP type: cloudEvents:subject as a table", new AmqpWire("application/json",
                with(valid, "cloudEvents:subject", Map.of("a", "b")), data()), "x",
                "which is not a type the AMQP binding gives the attribute 'subject'"));
        poisons.add(amqpInvalid("AMQP type: cloudEvents:subject as an array", new AmqpWire("application/json",
                with(valid, "cloudEvents:subject", List.of("a", "b")), data()), "x",
                "which is not a type the AMQP binding gives the attribute 'subject'"));
        Map<String, Object> controlled = new LinkedHashMap<>(valid);
        controlled.remove("cloudEvents:type");
        controlled.putAll(amqpControlHeaders());
        poisons.add(amqpInvalid("control headers on an invalid event", new AmqpWire("application/json", controlled, data()),
                "x", "required attribute 'type' is missing"));
        // A 100 KiB header: RabbitMQ carries it (frame_max 128 KiB); a dead letter takes 64 KiB of headers.
        DeadLetter bigHeader = new DeadLetter(InvalidCloudEventException.class,
                "attribute 'comexample' is 102400 characters long, more than the limit of 2048").asTruncated("cloudEvents:comexample");
        poisons.add(amqpPoison("too large for the dead-letter exchange: a 100 KiB header", new AmqpWire("application/json",
                with(valid, "cloudEvents:comexample", "h".repeat(100 * KIB)), data()), "x",
                Map.of(RABBITMQ_TO_KAFKA, bigHeader, RABBITMQ_TO_SQS, bigHeader)));
        // 100 KiB of body: whole on shipments' dead-letter exchange, truncated on invoices' (maxBodyBytes 64 KiB).
        Map<String, Object> untyped = new LinkedHashMap<>(valid);
        untyped.remove("cloudEvents:type");
        poisons.add(amqpInvalid("too large for the invoices dead-letter exchange only: invalid, 100 KiB",
                new AmqpWire("text/plain", untyped, PoisonEvents.utf8("b".repeat(100 * KIB))), "x",
                "required attribute 'type' is missing"));
        for (int size : List.of(300 * KIB, 3 * MIB / 2)) {
            poisons.add((tag, key) -> {
                Event event = Event.of(tag, "/poison-suite/rabbitmq", "com.example.poison.checked", "application/octet-stream",
                        binary(size, size));
                Map<String, Object> headers = new LinkedHashMap<>(PoisonEvents.amqpHeaders(event));
                headers.put("interchange-key", tag);
                Message message = amqpMessage(tag, size > MIB ? "too large for both sinks: valid, 1.5 MiB"
                        : "too large for the SQS sink only: valid, 300 KiB", true,
                        new AmqpWire("application/octet-stream", headers, event.data()));
                message.expect(RABBITMQ_TO_KAFKA, size > MIB ? new DeadLetter(
                        org.apache.kafka.common.errors.RecordTooLargeException.class, "max.request.size")
                        : new Deliver(new Delivery("kafka:" + SHIPMENTS_TOPIC, event, tag)));
                message.expect(RABBITMQ_TO_SQS, new DeadLetter(MessageTooLargeException.class,
                        "of SQS queue '" + INVOICES_ISSUED + "'").asTruncated());
                return message;
            });
        }
        return poisons;
    }

    static Map<String, Object> amqpValid() {
        Map<String, Object> headers = new LinkedHashMap<>(MalformedEvents.validAmqpHeaders("x"));
        headers.remove("Content-Type");
        return headers;
    }

    /** A message as an SQS source gets it: String, Number or Binary attributes and a text body. */
    record SqsWire(Map<String, MessageAttributeValue> attributes, String body) {
    }

    static Poison sqsPoison(String kind, SqsWire wire, String id, Map<String, Outcome> outcomes) {
        return (tag, group) -> {
            Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
            wire.attributes().forEach((name, value) -> attributes.put(name, name.equals("ce_id")
                    && java.util.Objects.equals(value.stringValue(), id) ? PoisonEvents.text(tag) : value));
            Message message = sqsMessage(tag, kind, true, group, new SqsWire(attributes, wire.body()));
            outcomes.forEach(message::expect);
            return message;
        };
    }

    static Poison sqsInvalid(String kind, SqsWire wire, String id, String... reason) {
        DeadLetter letter = new DeadLetter(InvalidCloudEventException.class, reason);
        return sqsPoison(kind, wire, id, Map.of(SQS_TO_KAFKA, letter, SQS_TO_RABBITMQ, letter));
    }

    /** A corpus case as SQS attributes, when SQS can carry it: at most 10 attributes, no empty or binary values, text. */
    static SqsWire toSqs(MalformedEvents.Case c) {
        if (c.wireOnly() || !c.encodableAsUtf8() || c.body() == null || c.body().length == 0 || c.wire().size() > 10) {
            return null;
        }
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> header : c.wire()) {
            if (!(header.getValue() instanceof String text) || text.isEmpty() || !sqsText(text)
                    || !(header.getKey().startsWith("ce_") || header.getKey().equals("content-type"))) {
                return null;
            }
            attributes.put(header.getKey(), PoisonEvents.text(text));
        }
        String body = PoisonEvents.strictUtf8(c.body()).orElse(null);
        return body == null || !sqsText(body) ? null : new SqsWire(attributes, body);
    }

    static boolean sqsText(String text) {
        return text.chars().allMatch(ch -> ch >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r');
    }

    static List<Poison> sqsPoisons() {
        List<Poison> poisons = new ArrayList<>();
        for (MalformedEvents.Case c : MalformedEvents.all()) {
            SqsWire wire = toSqs(c);
            if (wire != null) {
                poisons.add(sqsInvalid("invalid: " + c.name(), wire, c.name(), c.reason().replace("kafka binding", "sqs binding")));
            }
        }
        for (MalformedEvents.Case c : MalformedEvents.sqs()) {
            if (!c.encodableAsUtf8()) {
                continue; // SQS attributes are XML text: no unpaired surrogate
            }
            Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
            c.headers().forEach((name, value) -> attributes.put(name, value instanceof byte[] bytes ? PoisonEvents.binary(bytes)
                    : value instanceof Number ? PoisonEvents.number(value.toString()) : PoisonEvents.text(value.toString())));
            poisons.add(sqsInvalid("invalid SQS: " + c.name(), new SqsWire(attributes,
                    new String(c.body(), StandardCharsets.UTF_8)), c.name(), c.reason()));
        }
        Map<String, MessageAttributeValue> valid = new LinkedHashMap<>();
        MalformedEvents.validKafkaHeaders("x").forEach((name, value) -> valid.put(name, PoisonEvents.text(value.toString())));
        String data = new String(data(), StandardCharsets.UTF_8);
        poisons.add(sqsInvalid("no CloudEvent at all: a plain payload without attributes", new SqsWire(Map.of(),
                "just some text"), null, "not a CloudEvent: no ce_* headers and the content type is not set"));
        poisons.add(sqsInvalid("repeated: ce_id and ce_ID", new SqsWire(with(valid, "ce_ID", PoisonEvents.text("other")), data),
                "x", "differ only in letter case"));
        poisons.add(sqsInvalid("repeated: content-type and Content-Type", new SqsWire(with(valid, "Content-Type",
                PoisonEvents.text("text/plain")), data), "x", "differ only in letter case"));
        poisons.add(sqsInvalid("not UTF-8: ce_subject as a Binary attribute", new SqsWire(with(valid, "ce_subject",
                PoisonEvents.binary(new byte[] {'o', (byte) 0xff})), data), "x", "header 'ce_subject' is an SQS Binary attribute"));
        poisons.add(sqsInvalid("not UTF-8: data_base64 declared charset=utf-8", new SqsWire(Map.of("content-type",
                PoisonEvents.text(PoisonEvents.STRUCTURED)), "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\","
                + "\"type\":\"t.t\",\"datacontenttype\":\"text/plain; charset=utf-8\",\"data_base64\":\""
                + Base64.getEncoder().encodeToString(new byte[] {'a', (byte) 0xc3, 0x28}) + "\"}"), null,
                "data is not valid UTF-8 although datacontenttype"));
        Map<String, MessageAttributeValue> controlled = new LinkedHashMap<>(sqsControlAttributes());
        controlled.put("content-type", PoisonEvents.text(PoisonEvents.STRUCTURED));
        poisons.add(sqsInvalid("control headers on an invalid event", new SqsWire(controlled,
                "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\",\"data\":\"no type\"}"), null,
                "required attribute 'type' is missing"));
        // A message near SQS's 256 KiB: its dead letter (the message and its reasons) does not fit any more.
        Map<String, MessageAttributeValue> untyped = new LinkedHashMap<>(valid);
        untyped.remove("ce_type");
        untyped.put("content-type", PoisonEvents.text("text/plain"));
        int attributeBytes = untyped.entrySet().stream().mapToInt(e -> e.getKey().length() + 6 + e.getValue().stringValue().length()).sum();
        DeadLetter huge = new DeadLetter(InvalidCloudEventException.class, "required attribute 'type' is missing").asTruncated();
        poisons.add(sqsPoison("too large for the dead-letter queue: invalid, ~256 KiB", new SqsWire(untyped,
                "q".repeat(256 * KIB - attributeBytes - 100)), "x", Map.of(SQS_TO_KAFKA, huge, SQS_TO_RABBITMQ, huge)));
        return poisons;
    }

    // ---- messages and sending ----

    /** A Kafka record before it is sent: headers in order (repeats kept, values String, bytes or null) and value. */
    record KafkaWire(List<Map.Entry<String, Object>> headers, byte[] value) {
    }

    /** What the Kafka and SQS sources admit (docs/guarantees.md, Headers), in any letter case. */
    static final Predicate<String> KAFKA_OR_SQS_ADMITS = name -> {
        String lower = name.toLowerCase(Locale.ROOT);
        return (lower.startsWith("ce_") || List.of("content-type", "traceparent", "tracestate").contains(lower))
                && !ControlHeaders.isControl(name);
    };

    /** What the RabbitMQ source admits; interchange-key it maps to the key itself. */
    static final Predicate<String> AMQP_ADMITS = name -> {
        String lower = name.toLowerCase(Locale.ROOT);
        return (lower.startsWith("cloudevents:") || lower.startsWith("cloudevents_")
                || List.of("traceparent", "tracestate").contains(lower)) && !ControlHeaders.isControl(name);
    };

    static Message kafkaMessage(String tag, String kind, boolean poison, String key,
            List<Map.Entry<String, Object>> headers, byte[] value) {
        return new Message(tag, kind, poison, key, value, admitted(headers, KAFKA_OR_SQS_ADMITS, true),
                KAFKA_OR_SQS_ADMITS, new KafkaWire(headers, value));
    }

    static Message amqpMessage(String tag, String kind, boolean poison, AmqpWire wire) {
        List<Map.Entry<String, Object>> headers = new ArrayList<>();
        wire.headers().forEach((name, value) -> headers.add(header(name, value)));
        return new Message(tag, kind, poison, tag, wire.body(), admitted(headers, AMQP_ADMITS, false), AMQP_ADMITS, wire);
    }

    static Message sqsMessage(String tag, String kind, boolean poison, String group, SqsWire wire) {
        List<Map.Entry<String, Object>> headers = new ArrayList<>();
        wire.attributes().forEach((name, value) -> headers.add(header(name, value)));
        return new Message(tag, kind, poison, group, PoisonEvents.utf8(wire.body()),
                admitted(headers, KAFKA_OR_SQS_ADMITS, false), KAFKA_OR_SQS_ADMITS, wire);
    }

    /**
     * The headers a source admits and a whole dead letter must keep: allow-listed, not control headers, the
     * first of a name repeated in any letter case. Where the broker does not keep header order (AMQP tables, SQS
     * attributes), a name with a case twin is left out: which twin the source kept is not defined.
     */
    static List<Map.Entry<String, Object>> admitted(List<Map.Entry<String, Object>> headers,
            Predicate<String> admits, boolean ordered) {
        List<Map.Entry<String, Object>> admitted = new ArrayList<>();
        for (Map.Entry<String, Object> header : headers) {
            String name = header.getKey();
            boolean twin = headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).count() > 1;
            if (admits.test(name) && (ordered || !twin)
                    && admitted.stream().noneMatch(h -> h.getKey().equalsIgnoreCase(name))) {
                admitted.add(header(name, header.getValue() == null ? new byte[0] : header.getValue()));
            }
        }
        return admitted;
    }

    // ---- small helpers ----

    /** A header entry that may hold null (a Kafka header without a value). */
    static Map.Entry<String, Object> header(String name, Object value) {
        return new AbstractMap.SimpleEntry<>(name, value);
    }

    static List<Map.Entry<String, Object>> with(List<Map.Entry<String, Object>> headers, Map.Entry<String, Object> extra) {
        List<Map.Entry<String, Object>> copy = new ArrayList<>(headers);
        copy.add(extra);
        return copy;
    }

    static List<Map.Entry<String, Object>> replace(List<Map.Entry<String, Object>> headers, String name, Object value) {
        return headers.stream().map(h -> h.getKey().equals(name) ? header(name, value) : h).collect(Collectors.toList());
    }

    static List<Map.Entry<String, Object>> without(List<Map.Entry<String, Object>> headers, String name) {
        return headers.stream().filter(h -> !h.getKey().equals(name)).collect(Collectors.toList());
    }

    static <V> Map<String, V> with(Map<String, V> map, String name, V value) {
        Map<String, V> copy = new LinkedHashMap<>(map);
        copy.put(name, value);
        return copy;
    }
}

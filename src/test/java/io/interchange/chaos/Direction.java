package io.interchange.chaos;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import io.interchange.bridge.sqs.SqsQueues;
import io.interchange.brokers.Brokers;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The six example directions of {@code routes/}, each run as shipped with its topics, queues and group pointed at
 * names of one chaos run (the same settings a deployment changes), with the duplicate bound its source implies
 * and the order it promises (docs/guarantees.md, Ordering).
 */
public enum Direction {

    KAFKA_TO_RABBITMQ("kafka-to-rabbitmq", "Kafka -> RabbitMQ", "orders-kafka-to-rabbitmq", BrokerKind.KAFKA,
            BrokerKind.RABBITMQ),
    RABBITMQ_TO_KAFKA("rabbitmq-to-kafka", "RabbitMQ -> Kafka", "shipments-rabbitmq-to-kafka", BrokerKind.RABBITMQ,
            BrokerKind.KAFKA),
    KAFKA_TO_SQS("kafka-to-sqs", "Kafka -> SQS FIFO", "orders-kafka-to-sqs", BrokerKind.KAFKA, BrokerKind.SQS),
    SQS_TO_KAFKA("sqs-to-kafka", "SQS FIFO -> Kafka", "orders-sqs-to-kafka", BrokerKind.SQS, BrokerKind.KAFKA),
    RABBITMQ_TO_SQS("rabbitmq-to-sqs", "RabbitMQ -> SQS FIFO", "invoices-rabbitmq-to-sqs", BrokerKind.RABBITMQ,
            BrokerKind.SQS),
    SQS_TO_RABBITMQ("sqs-to-rabbitmq", "SQS FIFO -> RabbitMQ", "invoices-sqs-to-rabbitmq", BrokerKind.SQS,
            BrokerKind.RABBITMQ);

    /** The sources' in-flight windows at their defaults (docs/components.md): what a strike may send twice. */
    static final int KAFKA_MAX_IN_FLIGHT = 2_000;
    static final int RABBITMQ_PREFETCH = 500;
    static final int SQS_MAX_IN_FLIGHT = 100;
    /** Completed SQS messages whose DeleteMessageBatch may be unanswered: 4 batches of 10 (SqsDeleteBatcher). */
    static final int SQS_DELETES_IN_FLIGHT = 40;

    private final String id;
    private final String title;
    private final String routeId;
    private final BrokerKind source;
    private final BrokerKind sink;

    Direction(String id, String title, String routeId, BrokerKind source, BrokerKind sink) {
        this.id = id;
        this.title = title;
        this.routeId = routeId;
        this.source = source;
        this.sink = sink;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public String routeId() {
        return routeId;
    }

    BrokerKind sourceBroker() {
        return source;
    }

    BrokerKind sinkBroker() {
        return sink;
    }

    /**
     * Records one strike may deliver twice: the source's in-flight window, what it has handed to the route and not
     * yet acknowledged (interchange-kafka maxInFlight per poll thread, one thread; interchange-rabbitmq prefetch;
     * interchange-sqs maxInFlight over all pollers, plus the completed messages whose delete is still on its way).
     */
    int window() {
        return switch (source) {
            case KAFKA -> KAFKA_MAX_IN_FLIGHT;
            case RABBITMQ -> RABBITMQ_PREFETCH;
            case SQS -> SQS_MAX_IN_FLIGHT + SQS_DELETES_IN_FLIGHT;
        };
    }

    String windowName() {
        return switch (source) {
            case KAFKA -> "interchange-kafka maxInFlight";
            case RABBITMQ -> "interchange-rabbitmq prefetch";
            case SQS -> "interchange-sqs maxInFlight 100 + 40 deletes in flight";
        };
    }

    /**
     * Whether docs/guarantees.md promises per-key order under this fault: Kafka and SQS FIFO sources always; a
     * RabbitMQ source per queue "while nothing fails", and with one consumer: of these faults only SIGTERM.
     */
    boolean promisesOrder(Fault fault) {
        return source != BrokerKind.RABBITMQ || fault == Fault.SIGTERM;
    }

    /** Names of one run: the source and sink topic or queue, the consumer group, the exchange. */
    record Names(String run) {

        String in(BrokerKind kind) {
            return run + "-in" + (kind == BrokerKind.SQS ? ".fifo" : "");
        }

        String out(BrokerKind kind) {
            return run + "-out" + (kind == BrokerKind.SQS ? ".fifo" : "");
        }
    }

    Source source(Names names, Records records) {
        return switch (source) {
            case KAFKA -> new KafkaSource(Brokers.kafka(), names.in(source), names.run(), records);
            case RABBITMQ -> new RabbitSource(Brokers.rabbitmq(), names.in(source), records);
            case SQS -> new SqsSource(Brokers.sqs(), names.in(source), records);
        };
    }

    Sink sink(Names names, Records records) {
        return switch (sink) {
            case KAFKA -> new KafkaSink(Brokers.kafka(), names.out(sink), names.run() + "-reader");
            case RABBITMQ -> new RabbitSink(Brokers.rabbitmq(), names.run(), names.out(sink),
                    this == KAFKA_TO_RABBITMQ ? "order.#" : "invoice.paid", records);
            case SQS -> new SqsSink(Brokers.sqs(), names.out(sink), records);
        };
    }

    /** The dead-letter queues the SQS routes name (config/application.yaml); they must exist. */
    void prepare() {
        if (source == BrokerKind.SQS) {
            try (SqsClient client = Brokers.sqs().sqsClient()) {
                SqsQueues.create(client, this == SQS_TO_KAFKA ? "orders-inbound-dlq" : "invoices-dlq", false);
            }
        }
    }

    /** The gateway's settings: its two brokers, this route and the dead-letter policy, the run's names. */
    Map<String, String> settings(Names names) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.putAll(source.gatewaySettings());
        settings.putAll(sink.gatewaySettings());
        settings.put("camel.main.routes-include-pattern", "file:routes/" + routeId + ".yaml,file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml");
        String in = names.in(source);
        String out = names.out(sink);
        switch (this) {
            case KAFKA_TO_RABBITMQ -> {
                settings.put("orders.kafka.topic", in);
                settings.put("orders.kafka.group-id", names.run());
                settings.put("orders.rabbitmq.exchange", names.run());
            }
            case RABBITMQ_TO_KAFKA -> {
                settings.put("shipments.rabbitmq.queue", in);
                settings.put("shipments.kafka.topic", out);
            }
            case KAFKA_TO_SQS -> {
                settings.put("orders.kafka.topic", in);
                settings.put("orders.kafka.to-sqs-group-id", names.run());
                settings.put("orders.sqs.outbound-queue", out);
            }
            case SQS_TO_KAFKA -> {
                settings.put("orders.sqs.inbound-queue", in);
                settings.put("orders.kafka.topic", out);
            }
            case RABBITMQ_TO_SQS -> {
                settings.put("invoices.rabbitmq.issued-queue", in);
                settings.put("invoices.sqs.issued-queue", out);
            }
            case SQS_TO_RABBITMQ -> {
                settings.put("invoices.sqs.paid-queue", in);
                settings.put("invoices.rabbitmq.exchange", names.run());
            }
        }
        return settings;
    }

    public static Direction of(String id) {
        return Arrays.stream(values()).filter(d -> d.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown direction '" + id + "'; one of "
                        + Arrays.stream(values()).map(Direction::id).toList()));
    }
}

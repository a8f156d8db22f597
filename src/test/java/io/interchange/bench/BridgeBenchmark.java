package io.interchange.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.AppInfoParser;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import io.interchange.cloudevents.TestEvents;
import io.interchange.brokers.Brokers;
import io.interchange.brokers.GatewayProperties;
import io.interchange.brokers.KafkaBroker;
import io.interchange.brokers.PostgresBroker;
import io.interchange.brokers.RabbitMqBroker;

/**
 * Kafka -> RabbitMQ: the gateway against a minimal raw-client copier with the same guarantees, on the same
 * brokers in one run (see bench/README.md). Not a test: run it with bench/run.sh.
 */
public final class BridgeBenchmark {

    static final String EXCHANGE = "orders";
    static final String QUEUE = "orders.created";
    static final String BINDING = "order.#";
    static final String ROUTING_KEY = "order.created";
    static final String TOPIC = "bench-orders";

    final int records = Integer.getInteger("bench.records", 200_000);
    /** Records each copier moves before the measured ones, so the figures are of a warmed-up JVM (JIT done). */
    final int warmup = Integer.getInteger("bench.warmup", 60_000);
    final int recordBytes = Integer.getInteger("bench.recordBytes", 1024);
    final int keys = Integer.getInteger("bench.keys", 1000);
    final int partitions = Integer.getInteger("bench.partitions", 6);
    final int repeats = Integer.getInteger("bench.repeats", 3);
    final int latencyRate = Integer.getInteger("bench.latencyRate", 2000);
    final int latencySeconds = Integer.getInteger("bench.latencySeconds", 20);
    final int latencyWarmupSeconds = Integer.getInteger("bench.latencyWarmupSeconds", 5);
    /** Latency runs; in each, every gateway variant right after the raw copier doing the same work. */
    final int latencyRuns = Integer.getInteger("bench.latencyRuns", 3);
    /** The p99 difference (gateway minus its raw copier) the issue allows at the latency rate, ms. */
    static final double P99_BUDGET_MS = 5.0;
    /** RSS the gateway should stay at or below with the chart's JVM options, MiB. */
    static final long RSS_TARGET_MIB = 512;
    // The gateway's default window (interchange-kafka maxInFlight), so both copiers may keep as much in flight.
    final int maxOutstanding = Integer.getInteger("bench.maxOutstanding", 10_000);
    final boolean profile = Boolean.getBoolean("bench.profile");
    /** -Dbench.gatewayJvmOptions: replaces the chart's JVM options (ChartJvmOptions) for every gateway. */
    final String gatewayJvmOptions = System.getProperty("bench.gatewayJvmOptions", "").strip();
    /** The chart's JVM options, when bench.gatewayJvmOptions does not replace them. */
    final ChartJvmOptions chart;
    /** The JVM options every gateway of this run gets (bridge variants and the saga part). */
    final List<String> gatewayOptions;
    /** The saga part (SagaBenchmark) after the bridge part; -Dbench.only=saga runs it alone. */
    final boolean saga = Boolean.parseBoolean(System.getProperty("bench.saga", "true"));
    final boolean sagaOnly = "saga".equals(System.getProperty("bench.only"));

    final Path repo = Path.of("").toAbsolutePath();
    final Path work = repo.resolve("target/bench");
    final Path jar;
    KafkaBroker kafka;
    RabbitMqBroker rabbit;
    PostgresBroker postgres;
    Connection amqp;
    Channel admin;
    final Map<String, Object> report = new LinkedHashMap<>();

    /**
     * A copier under test: the raw baseline, or a gateway jar with JVM options running {@code routes} (a route
     * file, with routes/dead-letter.yaml), with the idempotency store on PostgreSQL when {@code dedupe}.
     */
    record Copier(String label, String description, boolean gateway, Path jar, List<String> jvmOptions,
            String routes, boolean dedupe) {
    }

    /** The gateway variants: label -> route file and what it does. */
    static final Map<String, String[]> VARIANTS = new LinkedHashMap<>();

    static {
        VARIANTS.put("plain", new String[] {"bench/routes/plain.yaml",
                "Interchange plain: bytes and headers as they are (bench/routes/plain.yaml)"});
        VARIANTS.put("cloudevents", new String[] {"routes/orders-kafka-to-rabbitmq.yaml",
                "Interchange + CloudEvents read and written: routes/orders-kafka-to-rabbitmq.yaml as shipped"});
        VARIANTS.put("cloudevents-dedupe", new String[] {"bench/routes/cloudevents-dedupe.yaml",
                "Interchange + CloudEvents + idempotent consumer on PostgreSQL (bench/routes/cloudevents-dedupe.yaml)"});
        VARIANTS.put("cloudevents-structured", new String[] {"bench/routes/cloudevents-structured.yaml",
                "Interchange + CloudEvents written in structured mode (bench/routes/cloudevents-structured.yaml)"});
    }

    static final String DEFAULT_VARIANTS = "plain,cloudevents,cloudevents-dedupe";

    Copier baseline;
    /** The baseline copying each record's headers too: RabbitMQ then stores what the gateway sends it. */
    Copier baselineHeaders;
    /** baseline-headers plus the PostgreSQL work of the gateway's jdbc idempotency store, with that store. */
    Copier baselineDedupe;
    /** The gateway variants measured, from -Dbench.variants (default: DEFAULT_VARIANTS). */
    final List<Copier> gateways = new ArrayList<>();
    /** Extra gateway variants for a before/after comparison in the same run (throughput only). */
    final List<Copier> compared = new ArrayList<>();

    record CpuSnapshot(long nanos, long machine, long copier, long rabbit, long kafka, long bench, long postgres) {
    }

    BridgeBenchmark() throws Exception {
        String otherJar = System.getProperty("bench.jar", "");
        if (!otherJar.isBlank()) {
            jar = Path.of(otherJar).toAbsolutePath();
        } else {
            try (Stream<Path> files = Files.list(repo.resolve("target"))) {
                jar = files.filter(p -> p.getFileName().toString().matches("interchange-.*\\.jar")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no target/interchange-*.jar: run ./mvnw package"));
            }
        }
        if (gatewayJvmOptions.isEmpty()) {
            Path tmp = work.resolve("gateway-tmp");
            Files.createDirectories(tmp);
            chart = ChartJvmOptions.read(repo, tmp);
            gatewayOptions = chart.options();
        } else {
            chart = null;
            gatewayOptions = List.of(gatewayJvmOptions.split("\\s+"));
        }
        baseline = new Copier("baseline", "raw clients (baseline)", false, null, List.of(), null, false);
        baselineHeaders = new Copier("baseline-headers", "raw clients copying the record's headers too", false, null,
                List.of(), null, false);
        baselineDedupe = new Copier("baseline-dedupe", "raw clients copying the record's headers, with the same"
                + " PostgreSQL idempotency work as the gateway", false, null, List.of(), null, true);
        for (String label : System.getProperty("bench.variants", DEFAULT_VARIANTS).split(",")) {
            String[] variant = VARIANTS.get(label.strip());
            if (variant == null) {
                throw new IllegalArgumentException("bench.variants: no variant '" + label + "'; known: " + VARIANTS.keySet());
            }
            gateways.add(new Copier(label.strip(), variant[1], true, jar, gatewayOptions, variant[0],
                    label.contains("dedupe")));
        }
        // -Dbench.compare="label|jar or empty for this one|JVM options;..."
        for (String spec : System.getProperty("bench.compare", "").split(";")) {
            if (spec.isBlank()) {
                continue;
            }
            String[] parts = spec.split("\\|", -1);
            Path other = parts.length > 1 && !parts[1].isBlank() ? Path.of(parts[1]).toAbsolutePath() : jar;
            List<String> options = parts.length > 2 && !parts[2].isBlank() ? List.of(parts[2].strip().split("\\s+"))
                    : gatewayOptions;
            String routes = parts.length > 3 && !parts[3].isBlank() ? parts[3].strip() : VARIANTS.get("cloudevents")[0];
            compared.add(new Copier(parts[0].strip(), "Interchange variant `" + parts[0].strip() + "` (see settings)", true,
                    other, options, routes, routes.contains("dedupe")));
        }
    }

    public static void main(String[] args) throws Exception {
        int exit = 0;
        try {
            new BridgeBenchmark().run();
        } catch (Exception e) {
            e.printStackTrace();
            exit = 1;
        } finally {
            Brokers.stopAll();
        }
        System.exit(exit);
    }

    void run() throws Exception {
        long begin = System.nanoTime();
        Files.createDirectories(work);
        if (sagaOnly) {
            runSagaOnly(begin);
            return;
        }
        log("starting Kafka and RabbitMQ");
        kafka = Brokers.kafka();
        rabbit = Brokers.rabbitmq();
        if (gateways.stream().anyMatch(Copier::dedupe) || compared.stream().anyMatch(Copier::dedupe)) {
            postgres = Brokers.postgres();
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(rabbit.host());
        factory.setPort(rabbit.port());
        factory.setUsername(rabbit.username());
        factory.setPassword(rabbit.password());
        amqp = factory.newConnection("bench-control");
        admin = amqp.createChannel();
        // The same declarations the gateway makes from config/application.yaml (it declares them again).
        admin.exchangeDeclare(EXCHANGE, BuiltinExchangeType.TOPIC, true);
        admin.queueDeclare(QUEUE, true, false, false, null);
        admin.queueBind(QUEUE, EXCHANGE, BINDING);

        describe();
        kafka.createTopic(TOPIC, partitions);
        long produced = produce();
        log("pre-produced " + (warmup + records) + " records in " + produced / 1_000_000 + " ms");

        // Each repetition: the bytes-only baseline once, then every gateway variant paired with the raw copier
        // doing the same work, back to back; which of the two runs first alternates between repetitions.
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Pairs.Pair> pairs = new ArrayList<>();
        List<Copier> paired = new ArrayList<>(gateways);
        paired.addAll(compared);
        for (int i = 1; i <= repeats; i++) {
            runs.add(throughputRun(baseline, i, List.of(), null));
            boolean rawFirst = i % 2 == 1;
            for (Copier copier : paired) {
                Copier raw = sameWork(copier);
                Map<String, Object> rawRun;
                Map<String, Object> gatewayRun;
                if (rawFirst) {
                    rawRun = throughputRun(raw, i, List.of(), copier.label());
                    gatewayRun = throughputRun(copier, i, List.of(), null);
                } else {
                    gatewayRun = throughputRun(copier, i, List.of(), null);
                    rawRun = throughputRun(raw, i, List.of(), copier.label());
                }
                runs.add(rawFirst ? rawRun : gatewayRun);
                runs.add(rawFirst ? gatewayRun : rawRun);
                Pairs.Pair pair = new Pairs.Pair(copier.label(), raw.label(), i, rawFirst ? "raw" : "gateway",
                        gatewayRun, rawRun);
                pairs.add(pair);
                log("pair " + copier.label() + "/" + raw.label() + " " + i + ": ratio " + round(pair.ratio(), 3));
            }
        }
        report.put("pairs", Pairs.summarize(pairs));
        report.put("pairRuns", pairs.stream().map(Pairs.Pair::toMap).toList());
        report.put("throughputRuns", runs);
        report.put("throughput", summarize(runs));

        // Latency: per run Kafka alone (the floor), then each gateway variant right after its same-work raw copier.
        List<Map<String, Object>> latency = new ArrayList<>();
        List<Map<String, Object>> latencyPairs = new ArrayList<>();
        for (int r = 1; r <= latencyRuns; r++) {
            latency.add(guardedLatencyRun(null, r, null));
            for (Copier copier : gateways) {
                if (copier.routes().contains("structured")) {
                    // The probe reads its send time from the body, which structured mode wraps in JSON.
                    continue;
                }
                Copier raw = sameWork(copier);
                Map<String, Object> rawRun = guardedLatencyRun(raw, r, copier.label());
                Map<String, Object> gatewayRun = guardedLatencyRun(copier, r, null);
                latency.add(rawRun);
                latency.add(gatewayRun);
                latencyPairs.add(latencyPair(copier, raw, r, gatewayRun, rawRun));
            }
        }
        report.put("latency", latency);
        report.put("latencyPairs", latencyPairs);

        if (profile) {
            // One more run per gateway variant, recorded by JFR over exactly its measured window.
            Map<String, Object> profiles = new LinkedHashMap<>();
            for (Copier copier : gateways) {
                Path jfr = work.resolve(copier.label() + ".jfr");
                Files.deleteIfExists(jfr);
                Map<String, Object> profiled = throughputRun(copier, 0, List.of(), null, jfr);
                // JFR's profile settings cost CPU themselves: the areas share out the CPU per message the variant's
                // runs without JFR measured (their median), when there were any.
                Object measured = report.get("pairs") instanceof Map<?, ?> summaries && summaries.get(copier.label()) instanceof Map<?, ?> p
                        ? p.get("gatewayCpuMicrosPerMsg") : null;
                double cpu = measured instanceof Number n ? n.doubleValue()
                        : ((Number) profiled.get("copierCpuMicrosPerMsg")).doubleValue();
                Map<String, Object> summary = JfrProfile.summarize(jfr, ((Number) profiled.get("jfrMessages")).longValue(), cpu);
                summary.put("cpuMicrosPerMsgUnderJfr", profiled.get("copierCpuMicrosPerMsg"));
                summary.put("jfr", repo.relativize(jfr).toString());
                summary.put("run", profiled);
                profiles.put(copier.label(), summary);
            }
            report.put("profiles", profiles);
        }
        if (saga) {
            report.put("saga", sagaPart());
        }
        report.put("totalSeconds", Math.round((System.nanoTime() - begin) / 1e9));
        new BenchReport(report, repo).write();
        admin.close();
        amqp.close();
    }

    /** The raw copier doing the same work as a gateway variant: its headers, and its PostgreSQL work for dedupe. */
    Copier sameWork(Copier gateway) {
        return gateway.dedupe() ? baselineDedupe : baselineHeaders;
    }

    private Map<String, Object> guardedLatencyRun(Copier copier, int run, String pairedWith) {
        try {
            return latencyRun(copier, run, pairedWith);
        } catch (Exception e) {
            String label = copier == null ? "kafka-only" : copier.label();
            log(label + "-latency-" + run + " failed: " + e);
            Map<String, Object> failed = new LinkedHashMap<>();
            failed.put("copier", label);
            failed.put("run", run);
            if (pairedWith != null) {
                failed.put("pairedWith", pairedWith);
            }
            failed.put("error", e.toString());
            return failed;
        }
    }

    /** One latency run's gateway against its raw copier: both runs' percentiles and the p99 difference. */
    static Map<String, Object> latencyPair(Copier gateway, Copier raw, int run, Map<String, Object> gatewayRun,
            Map<String, Object> rawRun) {
        Map<String, Object> pair = new LinkedHashMap<>();
        pair.put("run", run);
        pair.put("variant", gateway.label());
        pair.put("raw", raw.label());
        for (String key : List.of("p50Ms", "p99Ms", "p999Ms", "maxMs")) {
            pair.put("raw" + Character.toUpperCase(key.charAt(0)) + key.substring(1), rawRun.get(key));
            pair.put("gateway" + Character.toUpperCase(key.charAt(0)) + key.substring(1), gatewayRun.get(key));
        }
        if (gatewayRun.get("p99Ms") instanceof Number g && rawRun.get("p99Ms") instanceof Number r) {
            double difference = g.doubleValue() - r.doubleValue();
            pair.put("p99DifferenceMs", round(difference, 2));
            pair.put("p99WithinBudget", difference <= P99_BUDGET_MS);
        } else {
            pair.put("error", String.valueOf(gatewayRun.getOrDefault("error", rawRun.get("error"))));
        }
        return pair;
    }

    /** The saga part on the brokers already running; if it fails, its error is reported and the bridge results kept. */
    private Map<String, Object> sagaPart() {
        try {
            return new SagaBenchmark(repo, work, jar, gatewayOptions).run();
        } catch (Exception e) {
            log("saga part failed: " + e);
            e.printStackTrace();
            return Map.of("error", e.toString());
        }
    }

    /** -Dbench.only=saga: the saga part alone (no bridge runs), to iterate on it quickly. */
    private void runSagaOnly(long begin) throws Exception {
        describeMachine();
        Map<String, Object> versions = new LinkedHashMap<>();
        versions.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        versions.put("kafka", AppInfoParser.getVersion());
        versions.put("interchangeCommit", System.getProperty("bench.commit", "unknown"));
        report.put("versions", versions);
        report.put("gatewayJvm", gatewayJvm());
        report.put("saga", new SagaBenchmark(repo, work, jar, gatewayOptions).run());
        report.put("totalSeconds", Math.round((System.nanoTime() - begin) / 1e9));
        new BenchReport(report, repo).write();
    }

    private void describe() {
        describeMachine();
        Map<String, Object> versions = new LinkedHashMap<>();
        versions.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        versions.put("kafka", AppInfoParser.getVersion());
        Object rabbitVersion = amqp.getServerProperties().get("version");
        versions.put("rabbitmq", rabbitVersion == null ? "unknown" : rabbitVersion.toString());
        versions.put("interchangeCommit", System.getProperty("bench.commit", "unknown"));
        versions.put("interchangeJar", repo.relativize(jar).toString());
        report.put("versions", versions);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("records", records);
        settings.put("warmupRecords", warmup);
        settings.put("recordBytes", recordBytes);
        settings.put("keys", keys);
        settings.put("maxOutstanding", maxOutstanding);
        settings.put("partitions", partitions);
        settings.put("repeats", repeats);
        settings.put("rabbitmq", "durable topic exchange '" + EXCHANGE + "' -> durable classic queue '" + QUEUE
                + "' (binding " + BINDING + "), persistent delivery, mandatory publishes, publisher confirms");
        settings.put("baseline", "kafka-clients + amqp-client, one poll thread, one channel, up to " + maxOutstanding
                + " unconfirmed publishes, commit every 200 ms up to the oldest unconfirmed offset per partition,"
                + " max.poll.records 500; own JVM, default JVM options; publishes the record's bytes only"
                + " (persistent, no headers)");
        settings.put("baseline-headers", "the baseline, also copying each record's Kafka headers as AMQP headers"
                + " (values as UTF-8 text): the CloudEvents attributes (ce_*) then reach RabbitMQ as they do through"
                + " the gateway, so the broker stores and delivers comparable messages");
        settings.put("interchange", "java -jar with the variant's route file, routes/dead-letter.yaml and routes/bridge-templates.yaml, brokers"
                + " from the same environment variables a deployment uses: interchange-kafka (maxInFlight 2000,"
                + " maxPollRecords 500, consumersCount 1, commitIntervalMillis 200) -> interchange-rabbitmq (one"
                + " channel, pipelined confirms, mandatory, persistent); JVM options: " + String.join(" ", gatewayOptions)
                + (chart == null ? " (-Dbench.gatewayJvmOptions)" : " (the Helm chart's, see gatewayJvm)"));
        settings.put("baseline-dedupe", "baseline-headers plus the PostgreSQL work of the gateway's jdbc idempotency"
                + " store, done with that store (JdbcIdempotencyKeyStore on a pool of two connections; its table, dropped"
                + " before each run): per poll batch one reserveAll of the batch's keys (scope + ce_source + ce_id)"
                + " before it publishes; records whose"
                + " key was not reserved are committed unpublished; keys of records RabbitMQ confirmed are confirmed"
                + " every 20 ms, up to 1,000 per statement");
        settings.put("pairs", "each repetition: baseline once, then each gateway variant and the raw copier doing"
                + " the same work (plain, cloudevents, cloudevents-structured: baseline-headers; cloudevents-dedupe:"
                + " baseline-dedupe) back to back, the raw copier first in odd repetitions, the gateway first in even"
                + " ones; ratio = gateway msg/s / raw msg/s of the same repetition");
        for (Copier copier : gateways) {
            settings.put("variant " + copier.label(), copier.description()
                    + (copier.dedupe() ? "; interchange.idempotency.store=jdbc (PostgreSQL " + postgres.jdbcUrl()
                            + ", table emptied before each run, Hikari pool default)" : ""));
        }
        settings.put("throughputMeasure", "queue depth (queue.declare passive) polled every 20 ms; each copier first"
                + " moves the " + warmup + " warm-up records, then the rate is the records that arrived between the first"
                + " sample at or past the warm-up and the sample with all of them, over that time. Start-to-all"
                + " (all records, including JVM start, group join and warm-up) is reported too.");
        settings.put("latency", latencyRuns + " runs, each: kafka-only, then each gateway variant right after the raw"
                + " copier doing the same work; " + latencyRate + " msg/s for " + latencySeconds + " s after a warm-up (until the first"
                + " record arrives, then " + latencyWarmupSeconds + " s); send time is"
                + " System.nanoTime() when handed to the Kafka producer (linger.ms 0, acks all), arrival is the"
                + " RabbitMQ consumer's delivery callback (autoAck) in the same JVM; kafka-only: a plain Kafka"
                + " consumer in the same JVM reads the topic (the floor set by Kafka alone)");
        for (Copier copier : compared) {
            settings.put("compared: " + copier.label(), "gateway jar " + repo.relativize(copier.jar()) + ", JVM options: "
                    + (copier.jvmOptions().isEmpty() ? "default" : String.join(" ", copier.jvmOptions()))
                    + " (throughput runs only)");
        }
        report.put("settings", settings);
        report.put("gatewayJvm", gatewayJvm());
    }

    /** The gateway's JVM options, where they come from, the chart's memory limit and the RSS target. */
    private Map<String, Object> gatewayJvm() {
        Map<String, Object> jvm = new LinkedHashMap<>();
        jvm.put("options", String.join(" ", gatewayOptions));
        jvm.put("source", chart == null ? "-Dbench.gatewayJvmOptions" : ChartJvmOptions.VALUES
                + " as helm/interchange/templates/_helpers.tpl renders JAVA_TOOL_OPTIONS, plus -XX:MaxRAM");
        if (chart != null) {
            jvm.put("chartMemoryLimit", chart.memoryLimit());
            jvm.put("chartMemoryLimitMiB", chart.memoryLimitBytes() / (1024 * 1024));
            jvm.put("chartMaxRamPercentage", chart.maxRamPercentage());
        }
        jvm.put("rssTargetMiB", RSS_TARGET_MIB);
        return jvm;
    }

    private void describeMachine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("cpuModel", ProcStats.cpuModel());
        machine.put("memoryGiB", Math.round(ProcStats.memTotalKib() / 1024.0 / 1024.0 * 10) / 10.0);
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("loadAverageAtStart", ProcStats.loadAverage1m());
        report.put("startedAt", Instant.now().toString());
        report.put("machine", machine);
    }

    private long produce() throws Exception {
        long start = System.nanoTime();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < warmup + records; i++) {
                producer.send(TestEvents.asCloudEvent(new ProducerRecord<>(TOPIC, "key-" + (i % keys), body(i)), "bench-" + i));
            }
            producer.flush();
        }
        return System.nanoTime() - start;
    }

    private byte[] body(int i) {
        byte[] body = new byte[recordBytes];
        byte[] head = ("{\"orderId\":" + i + ",\"customer\":\"key-" + (i % keys) + "\",\"padding\":\"")
                .getBytes(StandardCharsets.US_ASCII);
        java.util.Arrays.fill(body, (byte) 'x');
        System.arraycopy(head, 0, body, 0, Math.min(head.length, body.length));
        body[body.length - 2] = '"';
        body[body.length - 1] = '}';
        return body;
    }

    private Map<String, String> env(String topic, String group, Copier copier) {
        Map<String, String> env = new HashMap<>();
        env.putAll(GatewayProperties.kafka(kafka));
        env.putAll(GatewayProperties.amqp(rabbit));
        env.put("INTERCHANGE_HTTP_PORT", String.valueOf(ChildJvm.freePort()));
        env.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(ChildJvm.freePort()));
        // The shipped route and its dead-letter policy only: the other examples need brokers the bench does not start.
        if (copier != null && copier.gateway()) {
            env.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN", "file:" + copier.routes() + ",file:routes/dead-letter.yaml,file:routes/bridge-templates.yaml");
            if (copier.dedupe()) {
                env.put("INTERCHANGE_IDEMPOTENCY_STORE", "jdbc");
                env.put("INTERCHANGE_DATASOURCE_URL", postgres.jdbcUrl());
                env.put("INTERCHANGE_DATASOURCE_USERNAME", postgres.username());
                env.put("INTERCHANGE_DATASOURCE_PASSWORD", postgres.password());
            }
        }
        env.put("ORDERS_KAFKA_TOPIC", topic);
        env.put("ORDERS_KAFKA_GROUP_ID", group);
        env.put("ORDERS_RABBITMQ_EXCHANGE", EXCHANGE);
        env.put("ORDERS_RABBITMQ_ROUTING_KEY", ROUTING_KEY);
        env.put("BENCH_MAX_OUTSTANDING", String.valueOf(maxOutstanding));
        env.put("BENCH_COPY_HEADERS", String.valueOf(copier == baselineHeaders || copier == baselineDedupe));
        if (copier == baselineDedupe) {
            env.put("BENCH_DEDUPE", "true");
            env.put("BENCH_JDBC_URL", postgres.jdbcUrl());
            env.put("BENCH_JDBC_USERNAME", postgres.username());
            env.put("BENCH_JDBC_PASSWORD", postgres.password());
            env.put("BENCH_DEDUPE_SCOPE", dedupeScope());
        }
        return env;
    }

    private ChildJvm startCopier(Copier copier, Map<String, String> env, String name, List<String> jvmOptions)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(ChildJvm.java()));
        if (copier.gateway()) {
            command.addAll(copier.jvmOptions());
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", copier.jar().toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), RawCopier.class.getName()));
        }
        return ChildJvm.start(command, env, repo, work.resolve(name + ".log"));
    }

    /** The idempotent consumer's scope in the dedupe variant's route file (the raw copier keys its events the same). */
    private String dedupeScope() {
        String routes = gateways.stream().filter(Copier::dedupe).map(Copier::routes).findFirst()
                .orElse(VARIANTS.get("cloudevents-dedupe")[0]);
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("interchange-idempotent:([A-Za-z0-9._-]+)")
                    .matcher(Files.readString(repo.resolve(routes)));
            if (!m.find()) {
                throw new IllegalStateException(routes + ": no interchange-idempotent step");
            }
            return m.group(1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code pairedWith}: the gateway variant a raw copier's run is paired with (names its log), else null. */
    private Map<String, Object> throughputRun(Copier copier, int repetition, List<String> jvmOptions, String pairedWith)
            throws Exception {
        return throughputRun(copier, repetition, jvmOptions, pairedWith, null);
    }

    /** {@code jfr}: record the gateway with JFR (settings=profile) from the warm-up's end to the last message. */
    private Map<String, Object> throughputRun(Copier copier, int repetition, List<String> jvmOptions, String pairedWith,
            Path jfr) throws Exception {
        admin.queuePurge(QUEUE);
        String name = copier.label() + (pairedWith == null ? "" : "-for-" + pairedWith) + "-throughput-" + repetition;
        Map<String, String> env = env(TOPIC, "bench-" + name + "-" + UUID.randomUUID().toString().substring(0, 8), copier);
        emptyIdempotencyTable(copier);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("copier", copier.label());
        run.put("repetition", repetition);
        if (pairedWith != null) {
            run.put("pairedWith", pairedWith);
        }
        run.put("loadAverageBefore", ProcStats.loadAverage1m());
        log(name + ": starting");
        try (ChildJvm child = startCopier(copier, env, name, jvmOptions)) {
            child.sampleRss();
            Thread readiness = null;
            long[] readyNanos = {-1};
            if (copier.gateway()) {
                String url = "http://127.0.0.1:" + env.get("INTERCHANGE_MANAGEMENT_PORT") + "/actuator/health/readiness";
                readiness = new Thread(() -> {
                    try {
                        readyNanos[0] = child.awaitHttp200(url, Duration.ofSeconds(120));
                    } catch (Exception e) {
                        log(name + ": readiness failed: " + e.getMessage());
                    }
                }, "bench-readiness");
                readiness.start();
            }
            CpuSnapshot first = null;
            long firstCount = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (true) {
                long count = admin.queueDeclarePassive(QUEUE).getMessageCount();
                if (first == null && count > 0 && count >= warmup) {
                    if (jfr != null) {
                        jcmd(child.pid(), "JFR.start", "name=bench", "settings=profile");
                        count = admin.queueDeclarePassive(QUEUE).getMessageCount();
                    }
                    first = cpu(child);
                    firstCount = count;
                }
                if (count >= warmup + records) {
                    break;
                }
                if (!child.isAlive() || System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(name + ": stopped at " + count + " of " + (warmup + records)
                            + " messages; see " + work.resolve(name + ".log"));
                }
                Thread.sleep(20);
            }
            CpuSnapshot last = cpu(child);
            if (jfr != null) {
                jcmd(child.pid(), "JFR.stop", "name=bench", "filename=" + jfr);
                run.put("jfrMessages", warmup + records - firstCount);
            }
            if (readiness != null) {
                readiness.join(120_000);
            }
            double window = (last.nanos() - first.nanos()) / 1e9;
            long msgs = warmup + records - firstCount;
            double rate = msgs / window;
            double seconds = (last.nanos() - child.startedNanos()) / 1e9;
            run.put("msgPerSecond", Math.round(rate));
            run.put("secondsFirstToAll", round(window, 2));
            run.put("secondsStartToAll", round(seconds, 2));
            run.put("msgPerSecondStartToAll", Math.round((warmup + records) / seconds));
            if (copier.gateway()) {
                run.put("startupToReadySeconds", readyNanos[0] < 0 ? null : round(readyNanos[0] / 1e9, 2));
            }
            run.put("maxRssMiB", Math.round(child.maxRssKib() / 1024.0));
            run.put("copierCpuMicrosPerMsg", round(micros(last.copier() - first.copier()) / msgs, 1));
            run.put("rabbitmqCpuMicrosPerMsg", round(micros(last.rabbit() - first.rabbit()) / msgs, 1));
            run.put("kafkaCpuMicrosPerMsg", round(micros(last.kafka() - first.kafka()) / msgs, 1));
            if (copier.dedupe()) {
                run.put("postgresCpuMicrosPerMsg", round(micros(last.postgres() - first.postgres()) / msgs, 1));
            }
            long own = (last.copier() - first.copier()) + (last.rabbit() - first.rabbit())
                    + (last.kafka() - first.kafka()) + (last.bench() - first.bench())
                    + (last.postgres() - first.postgres());
            long machine = last.machine() - first.machine();
            run.put("machineBusyCores", round(machine / (double) ProcStats.TICKS_PER_SECOND / window, 2));
            run.put("otherProcessesCores", round((machine - own) / (double) ProcStats.TICKS_PER_SECOND / window, 2));
            log(name + ": " + run);
        }
        return run;
    }

    private static void jcmd(long pid, String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + output);
        }
    }

    /** PostgreSQL: the postmaster and its live children (the gateway's pooled connections live through a run). */
    private long postgresTicks() {
        if (postgres == null) {
            return 0;
        }
        List<Long> pids = new ArrayList<>(List.of(postgres.pid()));
        ProcessHandle.of(postgres.pid()).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        return ProcStats.cpuTicks(pids);
    }

    /** Every dedupe run starts with an empty table, so each run reserves all its keys (none is a duplicate). */
    private void emptyIdempotencyTable(Copier copier) throws java.sql.SQLException {
        if (copier == null || !copier.dedupe()) {
            return;
        }
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                postgres.password()); java.sql.Statement statement = db.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS interchange_idempotency");
        }
    }

    private static double micros(long ticks) {
        return ticks * 1_000_000.0 / ProcStats.TICKS_PER_SECOND;
    }

    private CpuSnapshot cpu(ChildJvm child) {
        List<Long> rabbitPids = rabbit.pids();
        return new CpuSnapshot(System.nanoTime(), ProcStats.machineBusyTicks(), ProcStats.cpuTicks(child.pid()),
                rabbitPids.isEmpty() ? 0 : ProcStats.cpuTicks(rabbitPids.get(0)), ProcStats.cpuTicks(kafka.pid()),
                ProcStats.cpuTicks(ProcessHandle.current().pid()), postgresTicks());
    }

    /** Latency through a copier; with {@code copier} null, Kafka alone (a consumer in this JVM) as the floor. */
    private Map<String, Object> latencyRun(Copier copier, int latencyRun, String pairedWith) throws Exception {
        admin.queuePurge(QUEUE);
        String label = copier == null ? "kafka-only" : copier.label();
        String name = label + (pairedWith == null ? "" : "-for-" + pairedWith) + "-latency-" + latencyRun;
        String topic = "bench-" + name;
        kafka.createTopic(topic, partitions);
        String group = "bench-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = env(topic, group, copier);
        emptyIdempotencyTable(copier);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("copier", label);
        run.put("run", latencyRun);
        if (pairedWith != null) {
            run.put("pairedWith", pairedWith);
        }
        run.put("loadAverageBefore", ProcStats.loadAverage1m());
        log(name + ": starting");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        ChildJvm child = copier == null ? null : startCopier(copier, env, name, List.of());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer());
                Channel consumer = amqp.createChannel()) {
            if (copier != null && copier.gateway()) {
                long ready = child.awaitHttp200("http://127.0.0.1:" + env.get("INTERCHANGE_MANAGEMENT_PORT")
                        + "/actuator/health/readiness", Duration.ofSeconds(120));
                run.put("startupToReadySeconds", round(ready / 1e9, 2));
            }
            LatencyProbe.Receiver receiver;
            if (copier == null) {
                Properties c = new Properties();
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                receiver = LatencyProbe.kafka(c, topic);
            } else {
                child.sampleRss();
                receiver = LatencyProbe.rabbitmq(consumer, QUEUE);
            }
            LatencyProbe.Result result = new LatencyProbe(producer, topic, recordBytes, keys)
                    .run(receiver, latencyRate, latencySeconds, latencyWarmupSeconds);
            run.put("rate", result.rate());
            run.put("achievedRate", Math.round(result.achievedRate()));
            run.put("sent", result.sent());
            run.put("received", result.received());
            run.put("duplicates", result.duplicates());
            run.put("p50Ms", round(result.p50Ms(), 2));
            run.put("p99Ms", round(result.p99Ms(), 2));
            run.put("p999Ms", round(result.p999Ms(), 2));
            run.put("maxMs", round(result.maxMs(), 2));
            if (child != null) {
                run.put("maxRssMiB", Math.round(child.maxRssKib() / 1024.0));
            }
            log(name + ": " + run);
        } finally {
            if (child != null) {
                child.close();
            }
        }
        return run;
    }

    private Map<String, Object> summarize(List<Map<String, Object>> runs) {
        Map<String, Object> summary = new LinkedHashMap<>();
        Map<String, List<Long>> rates = new LinkedHashMap<>();
        for (Map<String, Object> run : runs) {
            rates.computeIfAbsent((String) run.get("copier"), k -> new ArrayList<>()).add((Long) run.get("msgPerSecond"));
        }
        rates.forEach((copier, values) -> {
            List<Long> sorted = values.stream().sorted().toList();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("median", sorted.get(sorted.size() / 2));
            s.put("min", sorted.get(0));
            s.put("max", sorted.get(sorted.size() - 1));
            s.put("runs", values);
            summary.put(copier, s);
        });
        List<Long> base = rates.get(baseline.label());
        Map<String, Object> ratios = new LinkedHashMap<>();
        rates.forEach((copier, values) -> ratios.put(copier, round(median(values) / (double) median(base), 3)));
        // Each run against the baseline run of its repetition (a raw copier's runs named by the variant they pair).
        Map<Object, Long> baseByRepetition = new HashMap<>();
        runs.stream().filter(r -> baseline.label().equals(r.get("copier")))
                .forEach(r -> baseByRepetition.put(r.get("repetition"), (Long) r.get("msgPerSecond")));
        Map<String, Object> pairRatios = new LinkedHashMap<>();
        for (Map<String, Object> run : runs) {
            Long reference = baseByRepetition.get(run.get("repetition"));
            if (reference == null) {
                continue;
            }
            String key = run.get("copier") + (run.get("pairedWith") == null ? "" : " for " + run.get("pairedWith"));
            @SuppressWarnings("unchecked")
            List<Double> list = (List<Double>) pairRatios.computeIfAbsent(key, k -> new ArrayList<Double>());
            list.add(round((Long) run.get("msgPerSecond") / (double) reference, 3));
        }
        summary.put("ratioOfMedians", ratios);
        List<Long> withHeaders = rates.get(baselineHeaders.label());
        if (withHeaders != null) {
            Map<String, Object> headerRatios = new LinkedHashMap<>();
            rates.forEach((copier, values) -> headerRatios.put(copier,
                    round(median(values) / (double) median(withHeaders), 3)));
            summary.put("ratioOfMediansToBaselineHeaders", headerRatios);
        }
        summary.put("ratioPerRepetition", pairRatios);
        return summary;
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }

    static void log(String line) {
        System.out.println(Instant.now().toString().substring(11, 19) + " bench: " + line);
    }
}

package io.interchange.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.interchange.brokers.Brokers;
import io.interchange.brokers.KafkaBroker;
import io.interchange.brokers.PostgresBroker;
import io.interchange.brokers.RabbitMqBroker;
import io.interchange.saga.SagaBrokers;
import io.interchange.saga.SimulatedParticipants;

/**
 * The order saga of routes/order-saga.yaml under load (bench/README.md, "Sagas"): the gateway jar as its own
 * process with only the saga routes, on the brokers of this JVM's harness (the bridge part's Kafka and RabbitMQ when
 * it ran first, plus ElasticMQ), the real Narayana LRA coordinator and the simulated participants in this JVM.
 * Measures completed sagas per second with concurrent clients (closed loop), saga latency at a fixed arrival rate
 * (open loop), and the time from a participant's failure reply to the last compensation. Every saga's HTTP answer
 * and what the participants saw is checked: a saga that did not close, or a step, completion or compensation that
 * ran twice or not at all, is reported, never counted as a completion.
 */
final class SagaBenchmark {

    static final List<String> STEPS = List.of("order", "inventory", "payment", "shipping");

    final int sagas = Integer.getInteger("bench.sagas", 500);
    final int concurrency = Integer.getInteger("bench.sagaConcurrency", 16);
    final int warmup = Integer.getInteger("bench.sagaWarmup", 100);
    /** Arrivals per second of the open-loop run; default half the closed-loop throughput just measured. */
    final Integer fixedRate = Integer.getInteger("bench.sagaRate");
    final int latencySeconds = Integer.getInteger("bench.sagaLatencySeconds", 20);
    final int compensations = Integer.getInteger("bench.compensations", 50);
    /** The gateway's saga ledger: memory (one process, the default) or jdbc (PostgreSQL of the harness). */
    final String sagaStore = System.getProperty("bench.sagaStore", "memory");
    /**
     * lra: the real Narayana coordinator; in-memory: Camel's in-memory saga service, no coordinator, the ceiling of the
     * gateway's own work (it answers before the completions ran, CAMEL-24145, and keeps nothing across a restart).
     */
    final String sagaService = System.getProperty("bench.sagaService", "lra");
    /** Closed sagas between two failing ones in the compensation run (see compensationRun). */
    final int okBetweenFailures = 2;

    private final Path repo;
    private final Path work;
    private final Path jar;
    private final List<String> gatewayJvmOptions;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private URI orders;
    private String management;
    private SimulatedParticipants participants;
    /** sagaId of every saga answered 200, to check at the participants. */
    private final List<String> closedSagaIds = new ArrayList<>();
    /** sagaId of every saga of the compensation run that was compensated, to check again at the end. */
    private final List<String> compensatedSagaIds = new ArrayList<>();

    SagaBenchmark(Path repo, Path work, Path jar, List<String> gatewayJvmOptions) {
        this.repo = repo;
        this.work = work;
        this.jar = jar;
        this.gatewayJvmOptions = gatewayJvmOptions;
    }

    /** One saga as the client saw it: HTTP status (-1: no answer), the answer, latency, the gateway's saga id. */
    record Outcome(String orderId, int status, String body, long nanos, String sagaId, Instant answeredAt) {
        boolean closed() {
            return status == 200 && body != null && body.contains("\"completed\"");
        }
    }

    Map<String, Object> run() throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        BridgeBenchmark.log("saga: starting Kafka, RabbitMQ, ElasticMQ and the Narayana LRA coordinator (if not running)");
        Map<String, String> brokers = SagaBrokers.prepare();
        result.put("settings", settings());
        result.put("versions", versions());
        try (SagaBrokers.HostedParticipants host = SagaBrokers.hostParticipants(brokers,
                "--logging.level.root=WARN", "--logging.level.io.narayana.lra=INFO", "--spring.main.banner-mode=off")) {
            participants = host.participants();
            Map<String, String> env = gatewayEnvironment(brokers);
            orders = URI.create("http://127.0.0.1:" + env.get("INTERCHANGE_HTTP_PORT") + "/orders");
            management = "http://127.0.0.1:" + env.get("INTERCHANGE_MANAGEMENT_PORT");
            List<String> command = new ArrayList<>(List.of(ChildJvm.java()));
            command.addAll(gatewayJvmOptions);
            command.addAll(List.of("-jar", jar.toString()));
            Path log = work.resolve("saga-gateway.log");
            BridgeBenchmark.log("saga: starting the gateway (log " + repo.relativize(log) + ")");
            try (ChildJvm gateway = ChildJvm.start(command, env, repo, log)) {
                // A benchmark stopped with Ctrl-C or SIGTERM must not leave the gateway running.
                Thread stopGateway = new Thread(() -> {
                    try {
                        gateway.close();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "bench-saga-gateway-stop");
                Runtime.getRuntime().addShutdownHook(stopGateway);
                long ready = gateway.awaitHttp200(management + "/actuator/health/readiness", Duration.ofSeconds(180));
                Map<String, Object> process = new LinkedHashMap<>();
                process.put("startupToReadySeconds", BridgeBenchmark.round(ready / 1e9, 2));
                gateway.sampleRss();

                result.put("warmup", warmup());
                Map<String, Object> throughput = throughputRun(gateway);
                result.put("throughput", throughput);
                int rate = fixedRate != null ? fixedRate
                        : (int) Math.max(1, Math.round(((Number) throughput.get("sagasPerSecond")).doubleValue() / 2));
                result.put("latency", latencyRun(rate));
                result.put("compensation", compensationRun());
                result.put("verification", verifyClosed());
                result.put("gatewayMetrics", gatewayMetrics(management));
                process.put("maxRssMiB", Math.round(gateway.maxRssKib() / 1024.0));
                process.put("jvmOptions", gatewayJvmOptions.isEmpty() ? "default" : String.join(" ", gatewayJvmOptions));
                result.put("gateway", process);
                Runtime.getRuntime().removeShutdownHook(stopGateway);
            }
        }
        return result;
    }

    private Map<String, String> gatewayEnvironment(Map<String, String> brokers) {
        Map<String, String> env = new HashMap<>();
        // As environment variables, the way a deployment passes them (GatewayProcess does the same).
        brokers.forEach((name, value) -> env.put(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), value));
        env.put("INTERCHANGE_SAGA_ENABLED", "true");
        env.put("INTERCHANGE_SAGA_STORE", sagaStore);
        if ("jdbc".equals(sagaStore)) {
            PostgresBroker postgres = Brokers.postgres();
            env.put("INTERCHANGE_DATASOURCE_URL", postgres.jdbcUrl());
            env.put("INTERCHANGE_DATASOURCE_USERNAME", postgres.username());
            env.put("INTERCHANGE_DATASOURCE_PASSWORD", postgres.password());
            dropSagaTables(postgres);
        }
        if ("in-memory".equals(sagaService)) {
            env.put("INTERCHANGE_SAGA_SERVICE", "in-memory");
            env.put("CAMEL_LRA_ENABLED", "false");
        } else if (!"lra".equals(sagaService)) {
            throw new IllegalArgumentException("bench.sagaService must be lra or in-memory, was " + sagaService);
        }
        // The saga routes only: the other example routes need brokers and queues this part does not set up.
        env.put("CAMEL_MAIN_ROUTESINCLUDEPATTERN", "file:routes/order-saga.yaml");
        // Fixed before the start: the coordinator calls the gateway back on its traffic port.
        env.put("INTERCHANGE_HTTP_PORT", String.valueOf(ChildJvm.freePort()));
        env.put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(ChildJvm.freePort()));
        return env;
    }

    /** Each run starts with empty saga tables, so that runs compare. */
    private static void dropSagaTables(PostgresBroker postgres) {
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                postgres.password()); java.sql.Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS interchange_saga_step, interchange_saga");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("Cannot empty the saga tables: " + e.getMessage(), e);
        }
    }

    /** Until the first saga closes (consumers joined, coordinator warm), then a closed-loop round not counted. */
    private Map<String, Object> warmup() throws Exception {
        long began = System.nanoTime();
        int attempts = 0;
        while (true) {
            Outcome first = place("bench-warmup-first-" + attempts++, Map.of());
            if (first.closed()) {
                break;
            }
            if (System.nanoTime() - began > TimeUnit.SECONDS.toNanos(180)) {
                throw new IllegalStateException("no saga closed within 180 s; last answer " + first.status() + " "
                        + first.body() + "; see " + work.resolve("saga-gateway.log"));
            }
            Thread.sleep(500);
        }
        long firstClosed = System.nanoTime() - began;
        Phase phase = closedLoop("warmup", warmup, concurrency);
        Map<String, Object> summary = phase.summary();
        summary.put("secondsToFirstClosedSaga", BridgeBenchmark.round(firstClosed / 1e9, 2));
        summary.put("attemptsToFirstClosedSaga", attempts);
        BridgeBenchmark.log("saga warm-up: " + summary);
        return summary;
    }

    private Map<String, Object> throughputRun(ChildJvm gateway) throws Exception {
        KafkaBroker kafka = Brokers.kafka();
        RabbitMqBroker rabbit = Brokers.rabbitmq();
        double loadBefore = ProcStats.loadAverage1m();
        long[] before = cpu(gateway, kafka, rabbit);
        double callbacksBefore = callbacks();
        int[] maxThreads = {ProcStats.threads(gateway.pid())};
        java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> maxThreads[0] = Math.max(maxThreads[0], ProcStats.threads(gateway.pid())),
                0, 200, TimeUnit.MILLISECONDS);
        Phase phase;
        try {
            phase = closedLoop("throughput", sagas, concurrency);
        } finally {
            sampler.shutdownNow();
        }
        long[] after = cpu(gateway, kafka, rabbit);
        Map<String, Object> run = phase.summary();
        double seconds = phase.elapsedNanos / 1e9;
        run.put("sagasPerSecond", BridgeBenchmark.round(phase.closed().size() / seconds, 1));
        int n = Math.max(1, phase.closed().size());
        run.put("gatewayCpuMsPerSaga", BridgeBenchmark.round(millis(after[1] - before[1]) / n, 2));
        run.put("benchJvmCpuMsPerSaga", BridgeBenchmark.round(millis(after[2] - before[2]) / n, 2));
        run.put("kafkaCpuMsPerSaga", BridgeBenchmark.round(millis(after[3] - before[3]) / n, 2));
        run.put("rabbitmqCpuMsPerSaga", BridgeBenchmark.round(millis(after[4] - before[4]) / n, 2));
        // Each coordinator callback is checked with the coordinator once: the count of checks is the count of callbacks.
        run.put("coordinatorCallbacksPerSaga", BridgeBenchmark.round((callbacks() - callbacksBefore) / n, 2));
        run.put("gatewayMaxThreads", maxThreads[0]);
        long own = (after[1] - before[1]) + (after[2] - before[2]) + (after[3] - before[3]) + (after[4] - before[4]);
        long machine = after[0] - before[0];
        run.put("machineBusyCores", BridgeBenchmark.round(machine / (double) ProcStats.TICKS_PER_SECOND / seconds, 2));
        run.put("otherProcessesCores",
                BridgeBenchmark.round((machine - own) / (double) ProcStats.TICKS_PER_SECOND / seconds, 2));
        run.put("loadAverageBefore", loadBefore);
        BridgeBenchmark.log("saga throughput: " + run);
        return run;
    }

    /** Machine busy ticks, then CPU ticks of the gateway, this JVM, Kafka and RabbitMQ. */
    private static long[] cpu(ChildJvm gateway, KafkaBroker kafka, RabbitMqBroker rabbit) {
        return new long[] {ProcStats.machineBusyTicks(), ProcStats.cpuTicks(gateway.pid()),
                ProcStats.cpuTicks(ProcessHandle.current().pid()), ProcStats.cpuTicks(kafka.pid()),
                ProcStats.cpuTicks(rabbit.pids())};
    }

    private static double millis(long ticks) {
        return ticks * 1000.0 / ProcStats.TICKS_PER_SECOND;
    }

    /** {@code count} sagas placed by {@code clients} threads, each placing its next saga when its last is answered. */
    private Phase closedLoop(String name, int count, int clients) throws InterruptedException {
        Phase phase = new Phase();
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long began = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            Thread thread = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    phase.outcomes.add(place("bench-" + name + "-" + i, Map.of()));
                }
            }, "bench-saga-client-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        phase.elapsedNanos = System.nanoTime() - began;
        recordClosed(phase);
        return phase;
    }

    /**
     * Open loop: a saga every 1/rate s for {@code seconds}, whatever the answers; latency from the moment it was due,
     * so a gateway that falls behind shows in the figures instead of slowing the arrivals down.
     */
    private Map<String, Object> latencyRun(int rate) throws Exception {
        int count = rate * latencySeconds;
        Phase phase = new Phase();
        List<CompletableFuture<Void>> pending = new ArrayList<>(count);
        long interval = 1_000_000_000L / rate;
        long began = System.nanoTime();
        long due = began;
        for (int i = 0; i < count; i++) {
            long now = System.nanoTime();
            while (due - now > 0) {
                LockSupport.parkNanos(due - now);
                now = System.nanoTime();
            }
            long sentAt = due;
            String orderId = "bench-latency-" + i;
            pending.add(http.sendAsync(request(orderId, Map.of()), HttpResponse.BodyHandlers.ofString())
                    .handle((response, failure) -> {
                        phase.outcomes.add(outcome(orderId, response, failure, System.nanoTime() - sentAt));
                        return null;
                    }));
            due += interval;
        }
        long sendingNanos = System.nanoTime() - began;
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            BridgeBenchmark.log("saga latency: answers still missing 180 s after the last saga was placed");
        }
        phase.elapsedNanos = System.nanoTime() - began;
        recordClosed(phase);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("rate", rate);
        run.put("rateSource", fixedRate != null ? "bench.sagaRate" : "half the closed-loop throughput");
        run.put("arrivalSeconds", latencySeconds);
        run.put("achievedRate", BridgeBenchmark.round(count / (sendingNanos / 1e9), 1));
        run.putAll(phase.summary());
        BridgeBenchmark.log("saga latency: " + run);
        return run;
    }

    /**
     * Sagas that fail at Ship Order (the participant replies "failed", injected per order): the time from that reply
     * to the last compensation a participant received, and whether every compensation ran exactly once. Run one at a
     * time, each followed by {@link #okBetweenFailures} closed sagas: the shipped shipping breaker opens at 50 % failed
     * calls of the last 10, and while open a saga fails at Ship Order without asking the participant (nothing to time).
     */
    private Map<String, Object> compensationRun() throws Exception {
        List<Long> toLast = new ArrayList<>();
        List<Long> toLastReal = new ArrayList<>();
        List<Long> toFirst = new ArrayList<>();
        List<Long> answerAfterFailure = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> statuses = new TreeMap<>();
        int fully = 0;
        Phase between = new Phase();
        long began = System.nanoTime();
        for (int i = 0; i < compensations; i++) {
            for (int k = 0; k < okBetweenFailures; k++) {
                between.outcomes.add(place("bench-compensation-ok-" + i + "-" + k, Map.of()));
            }
            String orderId = "bench-compensation-" + i;
            Outcome outcome = place(orderId, Map.of("shipping", "fail"));
            statuses.merge(String.valueOf(outcome.status()), 1, Integer::sum);
            if (outcome.status() != 409 || outcome.sagaId() == null) {
                problems.add(orderId + ": expected 409 with a saga id, got " + outcome.status() + " " + outcome.body());
                continue;
            }
            List<SimulatedParticipants.Entry> entries = awaitCompensated(outcome.sagaId(), Duration.ofSeconds(60));
            Instant failedAt = entries.stream().filter(e -> e.effect().equals("failed")).map(SimulatedParticipants.Entry::at)
                    .findFirst().orElse(null);
            List<SimulatedParticipants.Entry> comps = entries.stream().filter(e -> isCompensation(e.effect())).toList();
            String problem = compensationProblem(entries);
            if (problem != null || failedAt == null) {
                problems.add(orderId + ": " + (problem != null ? problem : "no failure reply journaled"));
                continue;
            }
            fully++;
            compensatedSagaIds.add(outcome.sagaId());
            toLast.add(micros(failedAt, comps.stream().map(SimulatedParticipants.Entry::at).max(Instant::compareTo).get()));
            toFirst.add(micros(failedAt, comps.stream().map(SimulatedParticipants.Entry::at).min(Instant::compareTo).get()));
            toLastReal.add(micros(failedAt, comps.stream().filter(e -> e.effect().equals("compensated"))
                    .map(SimulatedParticipants.Entry::at).max(Instant::compareTo).get()));
            answerAfterFailure.add(micros(failedAt, outcome.answeredAt()));
        }
        between.elapsedNanos = System.nanoTime() - began;
        recordClosed(between);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("failingSagas", compensations);
        run.put("closedSagasBetween", between.summary());
        run.put("answers", statuses);
        run.put("fullyCompensatedExactlyOnce", fully);
        run.put("toLastCompensationMs", percentiles(toLast));
        run.put("toLastRealCompensationMs", percentiles(toLastReal));
        run.put("toFirstCompensationMs", percentiles(toFirst));
        run.put("http409AfterFailureMs", percentiles(answerAfterFailure));
        run.put("problems", problems.stream().limit(20).toList());
        run.put("problemCount", problems.size());
        BridgeBenchmark.log("saga compensation: " + run);
        return run;
    }

    private static boolean isCompensation(String effect) {
        return effect.equals("compensated") || effect.equals("nothing-to-compensate") || effect.equals("compensated-again");
    }

    /** What the participants saw of one saga, once the three done steps and the failed one were compensated. */
    private List<SimulatedParticipants.Entry> awaitCompensated(String sagaId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<SimulatedParticipants.Entry> entries = participants.journal().stream()
                    .filter(e -> sagaId.equals(e.sagaId())).toList();
            long compensated = entries.stream().filter(e -> isCompensation(e.effect()))
                    .map(SimulatedParticipants.Entry::participant).distinct().count();
            if (compensated == STEPS.size() || System.nanoTime() - deadline > 0) {
                return entries;
            }
            Thread.sleep(5);
        }
    }

    /** Null when order, inventory and payment were done and compensated once, shipping failed and was asked once. */
    private static String compensationProblem(List<SimulatedParticipants.Entry> entries) {
        Map<String, Long> counts = effects(entries);
        Map<String, Long> expected = expectedCompensation();
        return counts.equals(expected) ? null : "participants saw " + counts + ", expected " + expected;
    }

    private static Map<String, Long> expectedCompensation() {
        Map<String, Long> expected = new TreeMap<>();
        for (String step : STEPS.subList(0, 3)) {
            expected.put(step + ":done", 1L);
            expected.put(step + ":compensated", 1L);
        }
        expected.put("shipping:failed", 1L);
        expected.put("shipping:nothing-to-compensate", 1L);
        return expected;
    }

    /** Adds to {@code into}, per effect (any participant), how many times more or fewer it happened than expected. */
    private static void deviate(Map<String, Long> into, Map<String, Long> counts, Map<String, Long> expected) {
        Set<String> keys = new TreeSet<>(counts.keySet());
        keys.addAll(expected.keySet());
        for (String key : keys) {
            long difference = counts.getOrDefault(key, 0L) - expected.getOrDefault(key, 0L);
            if (difference != 0) {
                String effect = key.substring(key.indexOf(':') + 1);
                into.merge(effect + (difference > 0 ? " (more)" : " (missing)"), Math.abs(difference), Long::sum);
            }
        }
    }

    /** What the participants saw of one saga, in order, e.g. {@code order:done@01:02:03.456789Z}. */
    private static List<String> timeline(List<SimulatedParticipants.Entry> entries) {
        return entries.stream().map(e -> e.participant() + ":" + e.effect() + "@" + e.at().toString().substring(11))
                .toList();
    }

    /** How often each participant had each effect, e.g. {@code payment:done -> 1}. */
    private static Map<String, Long> effects(List<SimulatedParticipants.Entry> entries) {
        return entries.stream().collect(Collectors.groupingBy(e -> e.participant() + ":" + e.effect(), TreeMap::new,
                Collectors.counting()));
    }

    /**
     * Every saga answered 200: each step done once, each completion once, nothing compensated or failed. Waits for
     * completions still under way, then a quiet moment in which a repeated callback would show.
     */
    private Map<String, Object> verifyClosed() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, List<SimulatedParticipants.Entry>> bySaga;
        while (true) {
            bySaga = participants.journal().stream().collect(Collectors.groupingBy(SimulatedParticipants.Entry::sagaId));
            Map<String, List<SimulatedParticipants.Entry>> seen = bySaga;
            long waiting = closedSagaIds.stream().filter(id -> seen.getOrDefault(id, List.of()).stream()
                    .filter(e -> e.effect().equals("completed")).count() < STEPS.size()).count();
            if (waiting == 0 || System.nanoTime() - deadline > 0) {
                break;
            }
            Thread.sleep(200);
        }
        Thread.sleep(3000);
        bySaga = participants.journal().stream().collect(Collectors.groupingBy(SimulatedParticipants.Entry::sagaId));
        Map<String, Long> expected = new TreeMap<>();
        for (String step : STEPS) {
            expected.put(step + ":done", 1L);
            expected.put(step + ":completed", 1L);
        }
        List<String> problems = new ArrayList<>();
        for (String sagaId : closedSagaIds) {
            Map<String, Long> counts = effects(bySaga.getOrDefault(sagaId, List.of()));
            if (!counts.equals(expected)) {
                problems.add(sagaId + ": participants saw " + counts + ", expected " + expected + "; in order: "
                        + timeline(bySaga.getOrDefault(sagaId, List.of())));
            }
        }
        int closedProblems = problems.size();
        for (String sagaId : compensatedSagaIds) {
            String problem = compensationProblem(bySaga.getOrDefault(sagaId, List.of()));
            if (problem != null) {
                problems.add(sagaId + " (compensated): " + problem + "; in order: "
                        + timeline(bySaga.getOrDefault(sagaId, List.of())));
            }
        }
        // Over all checked sagas: how often each effect came more (+) or less (-) often than expected.
        Map<String, Long> deviations = new TreeMap<>();
        for (String sagaId : closedSagaIds) {
            deviate(deviations, effects(bySaga.getOrDefault(sagaId, List.of())), expected);
        }
        for (String sagaId : compensatedSagaIds) {
            deviate(deviations, effects(bySaga.getOrDefault(sagaId, List.of())), expectedCompensation());
        }
        Map<String, Object> verification = new LinkedHashMap<>();
        verification.put("deviations", deviations);
        verification.put("closedSagasChecked", closedSagaIds.size());
        verification.put("closedSagasExactlyOnce", closedSagaIds.size() - closedProblems);
        verification.put("compensatedSagasChecked", compensatedSagaIds.size());
        verification.put("compensatedSagasExactlyOnce", compensatedSagaIds.size() - (problems.size() - closedProblems));
        verification.put("problemCount", problems.size());
        verification.put("problems", problems.stream().limit(20).toList());
        verification.put("rule", "after the last saga and 3 s more, in the simulated participants' journal: per saga"
                + " answered 200, each participant's action done once and completed once, nothing compensated, failed"
                + " or asked twice; per compensated saga, order, inventory and payment done once and compensated once,"
                + " shipping failed once and asked to compensate once");
        BridgeBenchmark.log("saga verification: " + verification);
        return verification;
    }

    private synchronized void recordClosed(Phase phase) {
        phase.closed().forEach(o -> closedSagaIds.add(o.sagaId()));
    }

    /** The gateway's count of callbacks it checked with the coordinator so far (0 with the in-memory service). */
    private double callbacks() {
        Object count = gatewayMetrics(management).get("interchange_saga_callbacks_verification_seconds_count");
        return count instanceof Number number ? number.doubleValue() : 0;
    }

    /** The gateway's own saga counters (Prometheus), as a cross-check of what the clients saw. */
    private Map<String, Object> gatewayMetrics(String management) {
        Map<String, Object> metrics = new TreeMap<>();
        try {
            String text = http.send(HttpRequest.newBuilder(URI.create(management + "/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            text.lines().filter(l -> l.startsWith("interchange_saga_") && !l.contains("_bucket"))
                    .forEach(l -> {
                        int space = l.lastIndexOf(' ');
                        metrics.put(l.substring(0, space), Double.valueOf(l.substring(space + 1)));
                    });
        } catch (IOException | InterruptedException | RuntimeException e) {
            metrics.put("error", e.toString());
        }
        return metrics;
    }

    private HttpRequest request(String orderId, Map<String, String> simulate) {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("orderId", orderId);
        order.put("amount", 42);
        if (!simulate.isEmpty()) {
            order.put("simulate", simulate);
        }
        try {
            return HttpRequest.newBuilder(orders).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(order)))
                    .timeout(Duration.ofSeconds(120)).build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Outcome place(String orderId, Map<String, String> simulate) {
        long began = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request(orderId, simulate), HttpResponse.BodyHandlers.ofString());
            return outcome(orderId, response, null, System.nanoTime() - began);
        } catch (IOException e) {
            return outcome(orderId, null, e, System.nanoTime() - began);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return outcome(orderId, null, e, System.nanoTime() - began);
        }
    }

    private Outcome outcome(String orderId, HttpResponse<String> response, Throwable failure, long nanos) {
        Instant now = Instant.now();
        if (response == null) {
            return new Outcome(orderId, -1, String.valueOf(failure), nanos, null, now);
        }
        String sagaId = null;
        try {
            JsonNode body = json.readTree(response.body());
            sagaId = body.hasNonNull("sagaId") ? body.get("sagaId").asText() : null;
        } catch (IOException | RuntimeException e) {
            // Not JSON: reported with its body.
        }
        return new Outcome(orderId, response.statusCode(), response.body(), nanos, sagaId, now);
    }

    private static long micros(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1000;
    }

    /** p50, p99, max (and count) of microsecond values, in ms. */
    private static Map<String, Object> percentiles(List<Long> micros) {
        long[] sorted = micros.stream().mapToLong(m -> m * 1000).sorted().toArray();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("count", sorted.length);
        p.put("p50", BridgeBenchmark.round(LatencyProbe.percentileMs(sorted, 0.50), 1));
        p.put("p99", BridgeBenchmark.round(LatencyProbe.percentileMs(sorted, 0.99), 1));
        p.put("max", sorted.length == 0 ? -1 : BridgeBenchmark.round(sorted[sorted.length - 1] / 1e6, 1));
        return p;
    }

    /** The answers of one run of sagas. */
    private static final class Phase {
        final Collection<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        long elapsedNanos;

        List<Outcome> closed() {
            return outcomes.stream().filter(Outcome::closed).toList();
        }

        /** Counts, latencies of the closed sagas, and every other answer as an error (a few of them verbatim). */
        Map<String, Object> summary() {
            List<Outcome> closed = closed();
            List<Outcome> errors = outcomes.stream().filter(o -> !o.closed()).toList();
            long[] sorted = closed.stream().mapToLong(Outcome::nanos).sorted().toArray();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("placed", outcomes.size());
            s.put("closed", closed.size());
            s.put("errors", errors.size());
            s.put("errorsByStatus", errors.stream().collect(Collectors.groupingBy(o -> String.valueOf(o.status()),
                    TreeMap::new, Collectors.counting())));
            // The first two of each status: a few 409s must not hide the one 500.
            s.put("errorSamples", errors.stream().collect(Collectors.groupingBy(Outcome::status, TreeMap::new,
                    Collectors.toList())).values().stream().flatMap(list -> list.stream().limit(2))
                    .map(o -> o.orderId() + ": " + o.status() + " " + o.body()).toList());
            s.put("seconds", BridgeBenchmark.round(elapsedNanos / 1e9, 2));
            s.put("p50Ms", BridgeBenchmark.round(LatencyProbe.percentileMs(sorted, 0.50), 1));
            s.put("p99Ms", BridgeBenchmark.round(LatencyProbe.percentileMs(sorted, 0.99), 1));
            s.put("p999Ms", BridgeBenchmark.round(LatencyProbe.percentileMs(sorted, 0.999), 1));
            s.put("maxMs", sorted.length == 0 ? -1 : BridgeBenchmark.round(sorted[sorted.length - 1] / 1e6, 1));
            return s;
        }
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("sagas", sagas);
        s.put("concurrency", concurrency);
        s.put("warmupSagas", warmup);
        s.put("latencyRate", fixedRate != null ? fixedRate : "half the closed-loop throughput");
        s.put("latencySeconds", latencySeconds);
        s.put("compensations", compensations);
        s.put("sagaStore", sagaStore + " (INTERCHANGE_SAGA_STORE" + ("jdbc".equals(sagaStore)
                ? "; PostgreSQL of the harness, tables emptied before the run)" : ")"));
        s.put("sagaService", "lra".equals(sagaService) ? "lra: the Narayana coordinator"
                : "in-memory: Camel's in-memory saga service, no coordinator (the ceiling; answers before completions ran)");
        s.put("route", "routes/order-saga.yaml as shipped (order on Kafka, inventory on SQS/ElasticMQ, payment on"
                + " RabbitMQ, shipping on Kafka; request/reply correlated by CloudEvent correlationid; Resilience4j"
                + " breakers; config/application.yaml defaults: call timeout 5 s, saga timeout 60 s); only the saga"
                + " routes (CAMEL_MAIN_ROUTESINCLUDEPATTERN); java -jar, own JVM");
        s.put("benchJvm", "this JVM hosts the Narayana LRA coordinator (lra-coordinator-jar on RESTEasy/Undertow, file"
                + " object store), ElasticMQ, the simulated participants (a gateway context with sagas off) and the HTTP"
                + " clients: its CPU is theirs together");
        s.put("closedSaga", "HTTP 200 with status completed; anything else (409, 503, timeout, no answer) is an error"
                + " and not counted");
        s.put("throughputMeasure", "closed loop: " + concurrency + " clients, each places its next saga when the last"
                + " is answered; sagas/s = sagas answered 200 over the time from the first request to the last answer");
        s.put("latencyMeasure", "open loop: sagas placed at a fixed rate whatever the answers (java.net.http async);"
                + " latency from the moment a saga was due to its answer");
        s.put("compensationMeasure", "sagas failing at Ship Order (the shipping participant replies failed), one at a"
                + " time, each after " + okBetweenFailures + " closed ones so that the shipped shipping breaker (50 % of"
                + " the last 10 calls) stays closed; time from the participant journaling its failure reply (just"
                + " before sending it) to the last compensation a participant received (Cancel Order, Release"
                + " Inventory, Refund Payment, and Cancel Shipment which answers nothing-to-compensate); wall clock of"
                + " this JVM");
        return s;
    }

    private Map<String, Object> versions() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("narayanaLraCoordinator", implementationVersion(io.narayana.lra.coordinator.api.Coordinator.class));
        v.put("camelLra", implementationVersion(org.apache.camel.service.lra.LRASagaService.class));
        return v;
    }

    private static String implementationVersion(Class<?> type) {
        String version = type.getPackage().getImplementationVersion();
        if (version != null) {
            return version;
        }
        // From the jar's name in the local repository, e.g. .../lra-coordinator-jar/1.1.0.Final/...
        String location = String.valueOf(type.getProtectionDomain().getCodeSource().getLocation());
        return location.substring(location.lastIndexOf('/') + 1);
    }
}

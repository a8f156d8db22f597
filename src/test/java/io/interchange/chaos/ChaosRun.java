package io.interchange.chaos;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import io.interchange.GatewayProcess;

/**
 * One direction under one fault: create the run's topics and queues, read the sink, produce the records, start the
 * gateway, strike, wait until every record arrived, then check that nothing is left anywhere (the source drained,
 * the sink read, readiness UP) and count. Gateways run as JVMs of their own ({@link GatewayProcess}, -Xmx256m),
 * their output in {@code target/gateway-<run>-a.log} (and {@code -b} for the replica).
 */
public final class ChaosRun {

    /**
     * @param records   records per run
     * @param keys      distinct keys (Kafka key, interchange-key, MessageGroupId)
     * @param perSecond producer rate, 0 for as fast as the source broker takes them
     * @param outage    how long a restarted broker stays down
     * @param stall     how long no new record may arrive (and a strike may take to recover) before the run is stuck
     */
    public record Options(int records, int keys, int perSecond, Duration outage, Duration stall) {

        public static Options of(int records, int keys, int perSecond) {
            return new Options(records, keys, perSecond, Duration.ofSeconds(10), Duration.ofMinutes(6));
        }
    }

    private static final Duration POLL = Duration.ofMillis(200);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final Duration BOOT = Duration.ofMinutes(3);

    private final Direction direction;
    private final Fault fault;
    private final Options options;
    private final String run;
    private final Records records;
    private final Arrivals arrivals;
    private final List<ChaosResult.Strike> strikes = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private Producer producer;
    private long lastProgressLog;
    private int lastProgressCount;

    public ChaosRun(Direction direction, Fault fault, Options options) {
        this.direction = direction;
        this.fault = fault;
        this.options = options;
        this.run = "chaos-" + direction.id() + "-" + fault.id() + "-" + Long.toString(System.currentTimeMillis(), 36);
        this.records = new Records(run, options.records(), options.keys());
        this.arrivals = new Arrivals(records);
    }

    public ChaosResult run() throws Exception {
        long started = System.nanoTime();
        Direction.Names names = new Direction.Names(run);
        direction.prepare();
        String drain = null;
        GatewayProcess replica = null;
        try (Source source = direction.source(names, records); Sink sink = direction.sink(names, records);
                GatewayProcess gateway = gateway(names, "a")) {
            source.create();
            sink.create();
            sink.read(arrivals);
            producer = new Producer(source, options.records(), options.perSecond(),
                    direction.sourceBroker() == BrokerKind.KAFKA ? 500 : 100);
            gateway.start();
            if (!await(BOOT, gateway::isReady)) {
                throw new IllegalStateException("the gateway was not ready within " + BOOT + "; see " + gateway.log());
            }
            // Records start once the gateway runs, so that at a steady rate every strike lands mid-stream.
            producer.start();
            log("gateway ready; producing %d records%s", options.records(),
                    options.perSecond() == 0 ? "" : " at " + options.perSecond() + "/s");
            try {
                replica = strike(gateway, names);
                awaitAll();
                drain = awaitDrained(source, sink, gateway);
            } catch (IllegalStateException e) {
                // stuck or broken: reported with what is left, the run goes on to the next one
                notes.add(e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause()));
                drain = left(source, sink, gateway);
            }
        } finally {
            if (producer != null) {
                producer.stop();
            }
            if (replica != null) {
                replica.close();
            }
        }
        ChaosResult result = new ChaosResult(direction, fault, options.records(), options.keys(), arrivals.distinct(),
                arrivals.deliveries(), arrivals.orderViolations(), arrivals.violationExamples(), List.copyOf(strikes),
                drain, Duration.ofNanos(System.nanoTime() - started), arrivals.readerRepeats(), arrivals.foreign(),
                arrivals.missing(10), List.copyOf(notes));
        log("%s", result.summary());
        return result;
    }

    private GatewayProcess gateway(Direction.Names names, String replica) throws IOException {
        GatewayProcess gateway = new GatewayProcess(run + "-" + replica, direction.settings(names));
        Files.deleteIfExists(gateway.log());
        return gateway;
    }

    /** The fault; returns the second replica if one is still running (it is not, unless the run failed). */
    private GatewayProcess strike(GatewayProcess gateway, Direction.Names names) throws Exception {
        int n = options.records();
        switch (fault) {
            case SIGKILL, SIGTERM -> {
                for (int k = 1; k <= fault.strikes(); k++) {
                    awaitDistinct(k * n / 5);
                    int at = arrivals.distinct();
                    if (fault == Fault.SIGKILL) {
                        gateway.kill();
                    } else {
                        gateway.close();
                    }
                    long end = System.nanoTime();
                    gateway.start();
                    log("gateway %s at %d of %d records arrived; started again", fault == Fault.SIGKILL ? "killed"
                            : "stopped (SIGTERM)", at, n);
                    recover(gateway, end, fault.id() + " " + k, 0);
                }
                return null;
            }
            case SOURCE_RESTART, SINK_RESTART -> {
                awaitDistinct(3 * n / 10);
                BrokerKind broker = fault == Fault.SOURCE_RESTART ? direction.sourceBroker() : direction.sinkBroker();
                if (fault == Fault.SOURCE_RESTART) {
                    producer.pause();
                }
                int at = arrivals.distinct();
                broker.stop();
                log("%s stopped (from %d to %d of %d records arrived while it stopped); down for %d s", broker.title(),
                        at, arrivals.distinct(), n, options.outage().toSeconds());
                Thread.sleep(options.outage().toMillis()); // the outage itself
                broker.start();
                long end = System.nanoTime();
                producer.resume();
                long completed = completed(gateway);
                log("%s back", broker.title());
                recover(gateway, end, broker.title() + " restart", Math.max(0, completed));
                return null;
            }
            case REPLICA -> {
                // The producer waits at a quarter of the records while the replica boots: at a high rate the first
                // gateway would otherwise have taken every record before the group handed the replica a share. A
                // sink slower than the rate (SQS FIFO) leaves a backlog, drained first, so that three quarters are
                // left to share whatever the sink's speed.
                awaitSent(n / 4);
                producer.pause();
                awaitDistinct(producer.sent());
                GatewayProcess replica = gateway(names, "b");
                replica.start();
                long joined = System.nanoTime();
                boolean ready = await(BOOT, replica::isReady);
                producer.resume();
                if (!ready || !await(BOOT, () -> completed(replica) > 0)) {
                    notes.add("the second replica took no part within " + BOOT + " (ready: " + replica.isReady()
                            + "); see " + replica.log());
                    return replica;
                }
                log("second replica ready and delivering after %.1f s, at %d of %d records arrived",
                        (System.nanoTime() - joined) / 1e9, arrivals.distinct(), n);
                awaitDistinct(Math.min(n * 9 / 10, arrivals.distinct() + n / 10));
                long before = completed(gateway);
                replica.close();
                long end = System.nanoTime();
                log("second replica stopped (SIGTERM) at %d of %d records arrived", arrivals.distinct(), n);
                recover(gateway, end, "replica leave", Math.max(0, before));
                return null;
            }
            default -> throw new IllegalStateException(fault.toString());
        }
    }

    /**
     * Waits until the gateway delivers again (its completed count above {@code completedBefore}) and is ready, and
     * records how long each took from {@code end}.
     */
    private void recover(GatewayProcess gateway, long end, String what, long completedBefore) {
        long resumed = -1;
        long ready = -1;
        long deadline = end + options.stall().toNanos();
        while ((resumed < 0 || ready < 0) && System.nanoTime() < deadline) {
            if (resumed < 0 && completed(gateway) > completedBefore) {
                resumed = (System.nanoTime() - end) / 1_000_000;
            }
            if (ready < 0 && gateway.isReady()) {
                ready = (System.nanoTime() - end) / 1_000_000;
            }
            if (resumed < 0 && arrivals.distinct() >= options.records()) {
                notes.add("every record had arrived before deliveries could resume after " + what
                        + ": too few records for this fault");
                break;
            }
            pause();
        }
        strikes.add(new ChaosResult.Strike(what, resumed, ready));
        log("%s: deliveries resumed after %s, ready after %s", what, seconds(resumed), seconds(ready));
    }

    /** Every record arrived; stuck when none arrives for the stall time. */
    private void awaitAll() {
        awaitDistinct(options.records());
        if (producer.failure() != null) {
            notes.add("the producer failed: " + producer.failure());
        }
    }

    private void awaitSent(int target) {
        await(options.stall(), () -> producer.sent() >= target || producer.done() || producer.failure() != null);
        if (producer.failure() != null) {
            throw new IllegalStateException("producing the records failed", producer.failure());
        }
    }

    private void awaitDistinct(int target) {
        int last = arrivals.distinct();
        long lastProgress = System.nanoTime();
        while (arrivals.distinct() < target) {
            progress();
            if (producer.failure() != null) {
                throw new IllegalStateException("producing the records failed", producer.failure());
            }
            int now = arrivals.distinct();
            if (now != last) {
                last = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > options.stall().toNanos()) {
                throw new IllegalStateException("stuck: no new record arrived for " + options.stall() + " at " + now
                        + " of " + options.records() + " (produced " + producer.sent() + ")");
            }
            pause();
        }
    }

    /** A line every 30 s while waiting: how far the stream is and how fast it moves. */
    private void progress() {
        long now = System.nanoTime();
        if (now - lastProgressLog < 30_000_000_000L) {
            return;
        }
        int distinct = arrivals.distinct();
        if (lastProgressLog != 0) {
            log("%d of %d records arrived (%.0f/s over the last 30 s), %d deliveries, %d produced", distinct,
                    options.records(), (distinct - lastProgressCount) / ((now - lastProgressLog) / 1e9),
                    arrivals.deliveries(), producer.sent());
        }
        lastProgressLog = now;
        lastProgressCount = distinct;
    }

    /**
     * After every record arrived: the source has nothing left (no lag, no message ready, unacknowledged or in
     * flight), the sink is read to its end and the gateway is ready. Null when so; else what is left after the wait.
     */
    private String awaitDrained(Source source, Sink sink, GatewayProcess gateway) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String left;
        do {
            left = left(source, sink, gateway);
            if (left == null) {
                return null;
            }
            pause();
        } while (System.nanoTime() < deadline);
        return left;
    }

    private static String left(Source source, Sink sink, GatewayProcess gateway) {
        try {
            long backlog = source.backlog();
            if (backlog != 0) {
                return "source backlog " + backlog + " " + source.detail();
            }
            if (!sink.caughtUp()) {
                return "sink not read to its end";
            }
            return gateway.isReady() ? null : "readiness DOWN";
        } catch (Exception e) {
            return "cannot tell: " + e;
        }
    }

    /** The gateway's interchange_bridge_completed_total of this route, -1 when it does not answer. */
    private long completed(GatewayProcess gateway) {
        try {
            HttpResponse<String> response = gateway.get("/actuator/prometheus");
            if (response.statusCode() != 200) {
                return -1;
            }
            double sum = 0;
            for (String line : response.body().split("\n")) {
                if (line.startsWith("interchange_bridge_completed_total{")
                        && line.contains("routeId=\"" + direction.routeId() + "\"")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return (long) sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static boolean await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pause();
        }
        return true;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis()); // between polls of a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String seconds(long millis) {
        return millis < 0 ? "never" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[chaos %s] %s/%s: %s%n", LocalTime.now().format(CLOCK),
                direction.id(), fault.id(), String.format(Locale.ROOT, format, args));
    }
}

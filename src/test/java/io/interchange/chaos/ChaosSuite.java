package io.interchange.chaos;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.interchange.brokers.Brokers;

/**
 * The chaos suite as a program ({@code scripts/chaos.sh}): every direction under every fault, or the ones named,
 * one run after the other on one set of brokers; prints the table, writes it with each run's details to
 * {@code target/chaos/<time>.md} and, with {@code --write-docs}, into docs/guarantees.md between the markers.
 * Exits 1 if any run broke a promise. Not a test: the short form is {@code ChaosSuiteIT}.
 *
 * <pre>
 * --records N         records per run (100000)
 * --keys K            keys (100)
 * --rate R            records per second the producer sends, 0 for as fast as the broker takes them (0)
 * --outage-seconds S  how long a restarted broker is down (10)
 * --directions a,b    kafka-to-rabbitmq, rabbitmq-to-kafka, kafka-to-sqs, sqs-to-kafka, rabbitmq-to-sqs, sqs-to-rabbitmq
 * --faults x,y        sigkill, sigterm, source-restart, sink-restart, replica
 * --write-docs        replace the table in docs/guarantees.md
 * --update-docs       replace only the rows of the runs made in the table of docs/guarantees.md, and say so under it
 * </pre>
 */
public final class ChaosSuite {

    static final String BEGIN = "<!-- chaos:begin -->";
    static final String END = "<!-- chaos:end -->";
    static final Path DOC = Path.of("docs/guarantees.md");

    private ChaosSuite() {
    }

    public static void main(String[] args) throws Exception {
        int records = 100_000;
        int keys = 100;
        int rate = 0;
        int outage = 10;
        List<Direction> directions = Arrays.asList(Direction.values());
        List<Fault> faults = Arrays.asList(Fault.values());
        boolean writeDocs = false;
        boolean updateDocs = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[++i]);
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--outage-seconds" -> outage = Integer.parseInt(args[++i]);
                case "--directions" -> directions = Arrays.stream(args[++i].split(",")).map(Direction::of).toList();
                case "--faults" -> faults = Arrays.stream(args[++i].split(",")).map(Fault::of).toList();
                case "--write-docs" -> writeDocs = true;
                case "--update-docs" -> updateDocs = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; see scripts/chaos.sh");
            }
        }
        ChaosRun.Options options = new ChaosRun.Options(records, keys, rate, Duration.ofSeconds(outage),
                Duration.ofMinutes(6));
        String command = System.getProperty("chaos.command", "scripts/chaos.sh " + String.join(" ", args));
        Path report = Path.of("target/chaos",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")) + ".md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, "# Chaos suite, " + LocalDateTime.now() + "\n\n`" + command + "`\n\n");

        long started = System.nanoTime();
        List<ChaosResult> results = new ArrayList<>();
        for (Direction direction : directions) {
            for (Fault fault : faults) {
                ChaosResult result;
                try {
                    result = new ChaosRun(direction, fault, options).run();
                } catch (Exception e) {
                    // a run that could not even start (a broker, a topic) is reported, and the others still run
                    System.out.printf("[chaos] %s/%s could not run: %s%n", direction.id(), fault.id(), e);
                    e.printStackTrace(System.out);
                    result = new ChaosResult(direction, fault, records, keys, 0, 0, 0, List.of(), List.of(), null,
                            Duration.ZERO, 0, 0, List.of(), List.of("could not run: " + e));
                }
                results.add(result);
                Files.writeString(report, "- " + result.summary() + "\n", StandardOpenOption.APPEND);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        String table = table(results);
        System.out.println();
        System.out.println(table);
        Files.writeString(report, "\n" + table + "\n", StandardOpenOption.APPEND);
        boolean passed = results.stream().allMatch(ChaosResult::passed);
        if (writeDocs) {
            writeDocs(block(command, options, took, table, results.size()));
            System.out.println("Table written to " + DOC);
        } else if (updateDocs) {
            Files.writeString(DOC, updated(Files.readString(DOC, StandardCharsets.UTF_8), command, results),
                    StandardCharsets.UTF_8);
            System.out.println("Rows updated in " + DOC);
        }
        System.out.printf("Chaos suite: %d runs, %d failed, %d min; details in %s%n", results.size(),
                results.stream().filter(r -> !r.passed()).count(), took.toMinutes(), report);
        results.stream().filter(r -> !r.passed())
                .forEach(r -> System.out.println("FAILED " + r.direction().id() + "/" + r.fault().id() + ": " + r.problems()));
        Brokers.stopAll();
        System.exit(passed ? 0 : 1);
    }

    static String table(List<ChaosResult> results) {
        StringBuilder table = new StringBuilder(ChaosResult.header()).append('\n');
        results.forEach(r -> table.append(r.row()).append('\n'));
        return table.toString();
    }

    private static String block(String command, ChaosRun.Options options, Duration took, String table, int runs) {
        String commit = System.getProperty("chaos.commit", "unknown");
        return String.format(Locale.ROOT, """
                %s
                `%s` on %s (commit %s), %d runs, %s records each over %d keys%s, brokers down %d s, in %d min on this
                2-core machine with other work running beside it.

                %s%s""", BEGIN, command, LocalDate.now(), commit, runs, String.format(Locale.ROOT, "%,d",
                options.records()), options.keys(), options.perSecond() == 0 ? " (produced as fast as the source took them)"
                        : " (produced at " + options.perSecond() + "/s)", options.outage().toSeconds(), took.toMinutes(),
                table, END);
    }

    /**
     * {@code doc} with the rows of {@code results} replacing those of the same direction and fault
     * (added at the end if new), and a line naming the command and commit they came from.
     */
    static String updated(String doc, String command, List<ChaosResult> results) {
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(DOC + " has no " + BEGIN + " ... " + END + " section to update");
        }
        List<String> lines = new ArrayList<>(Arrays.asList(doc.substring(begin, end).split("\n", -1)));
        int lastRow = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("| ")) {
                lastRow = i;
            }
        }
        if (lastRow < 0) {
            throw new IllegalStateException(DOC + " has no table to update; run with --write-docs first");
        }
        List<String> runs = new ArrayList<>();
        for (ChaosResult result : results) {
            String row = result.row();
            String key = row.substring(0, row.indexOf(" | ", row.indexOf(" | ") + 3) + 3);
            runs.add(result.direction().id() + "/" + result.fault().id());
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(key)) {
                    at = i;
                }
            }
            if (at >= 0) {
                lines.set(at, row);
            } else {
                lines.add(++lastRow, row);
            }
        }
        String note = String.format(Locale.ROOT, "Rows %s from `%s` on %s (commit %s).", String.join(", ", runs),
                command, LocalDate.now(), System.getProperty("chaos.commit", "unknown"));
        int tail = lines.size();
        while (tail > 0 && lines.get(tail - 1).isBlank()) {
            tail--;
        }
        lines.add(tail, note);
        lines.add(tail, "");
        return doc.substring(0, begin) + String.join("\n", lines) + doc.substring(end);
    }

    private static void writeDocs(String block) throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(DOC + " has no " + BEGIN + " ... " + END + " section to replace");
        }
        Files.writeString(DOC, doc.substring(0, begin) + block + doc.substring(end + END.length()), StandardCharsets.UTF_8);
    }
}

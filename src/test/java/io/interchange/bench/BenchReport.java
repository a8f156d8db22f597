package io.interchange.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Writes bench/results/&lt;timestamp&gt;.json and .md, latest.json and latest.md, and puts the Markdown into
 * docs/benchmarks.md between its markers.
 */
final class BenchReport {

    static final String DOC_START = "<!-- bench:latest:start -->";
    static final String DOC_END = "<!-- bench:latest:end -->";

    private final Map<String, Object> report;
    private final Path repo;

    BenchReport(Map<String, Object> report, Path repo) {
        this.report = report;
        this.repo = repo;
    }

    void write() throws IOException {
        Path results = repo.resolve("bench/results");
        Files.createDirectories(results);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .format(Instant.parse((String) report.get("startedAt")));
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report) + "\n";
        String markdown = markdown();
        Files.writeString(results.resolve(stamp + ".json"), json);
        Files.writeString(results.resolve(stamp + ".md"), markdown);
        Files.writeString(results.resolve("latest.json"), json);
        Files.writeString(results.resolve("latest.md"), markdown);
        Path doc = repo.resolve("docs/benchmarks.md");
        if (Files.exists(doc)) {
            String text = Files.readString(doc);
            int start = text.indexOf(DOC_START);
            int end = text.indexOf(DOC_END);
            if (start >= 0 && end > start) {
                Files.writeString(doc, text.substring(0, start + DOC_START.length()) + "\n" + markdown
                        + text.substring(end));
            }
        }
        BridgeBenchmark.log("results: " + repo.relativize(results.resolve(stamp + ".md")) + " (and .json, latest.md)");
        System.out.println();
        System.out.println(markdown);
    }

    @SuppressWarnings("unchecked")
    String markdown() {
        if (!report.containsKey("throughput")) {
            return SagaReport.markdown(report);
        }
        Map<String, Object> machine = (Map<String, Object>) report.get("machine");
        Map<String, Object> versions = (Map<String, Object>) report.get("versions");
        Map<String, Object> settings = (Map<String, Object>) report.get("settings");
        Map<String, Object> throughput = (Map<String, Object>) report.get("throughput");
        List<Map<String, Object>> runs = (List<Map<String, Object>>) report.get("throughputRuns");
        List<Map<String, Object>> latency = (List<Map<String, Object>>) report.get("latency");
        StringBuilder md = new StringBuilder();
        md.append("### Kafka -> RabbitMQ bridge, run of ").append(report.get("startedAt")).append("\n\n");
        md.append(String.format("%,d records of %d B, %d keys, %d partitions; %s. Each copier runs as its own JVM on"
                        + " the same brokers; fresh consumer group and purged queue per run; runs alternate.%n%n",
                settings.get("records"), settings.get("recordBytes"), settings.get("keys"), settings.get("partitions"),
                settings.get("rabbitmq")));

        md.append("| copier | guarantees | msg/s median (min-max) | ratio to baseline | ratio to baseline-headers | runs |"
                + " copier CPU us/msg | RabbitMQ CPU us/msg | PostgreSQL CPU us/msg | max RSS MiB |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, Object> ratios = (Map<String, Object>) throughput.get("ratioOfMedians");
        Map<String, Object> headerRatios = (Map<String, Object>) throughput.getOrDefault("ratioOfMediansToBaselineHeaders",
                Map.of());
        for (String copier : ratios.keySet()) {
            String name = switch (copier) {
                case "baseline" -> String.format("raw clients (baseline): async confirms, up to %,d outstanding,"
                        + " commit of confirmed; bytes only", ((Number) settings.getOrDefault("maxOutstanding", 0)).intValue());
                case "baseline-headers" -> "raw clients, the same, copying the record's headers (ce_*) too";
                default -> String.valueOf(settings.getOrDefault("variant " + copier,
                        "Interchange variant `" + copier + "` (see settings)"));
            };
            String guarantees = copier.startsWith("baseline") ? "at-least-once"
                    : copier.contains("dedupe") ? "at-least-once, per-partition order, each (source, id) once"
                            : "at-least-once, per-partition order";
            md.append(row(name, guarantees, (Map<String, Object>) throughput.get(copier),
                    String.format("%.2f", ((Number) ratios.get(copier)).doubleValue()),
                    headerRatios.get(copier) == null ? "" : String.format("%.2f", ((Number) headerRatios.get(copier)).doubleValue()),
                    runs, copier));
        }
        md.append(SagaReport.bridgeTableRow(report.get("saga"))).append("\n");
        md.append("Ratio per repetition (run i / baseline run i): ")
                .append(throughput.get("ratioPerRepetition")).append(".\n\n");

        md.append("Latency, Kafka send to RabbitMQ delivery, at a fixed rate after a warm-up:\n\n");
        md.append("| copier | rate msg/s (achieved) | received | p50 ms | p99 ms | p99.9 ms | max ms |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> l : latency) {
            if (l.containsKey("error")) {
                md.append("| ").append(l.get("copier")).append(" | failed: ").append(l.get("error")).append(" | | | | | |\n");
                continue;
            }
            md.append(String.format("| %s | %s (%s) | %s of %s | %s | %s | %s | %s |%n", l.get("copier"), l.get("rate"),
                    l.get("achievedRate"), l.get("received"), l.get("sent"), l.get("p50Ms"), l.get("p99Ms"),
                    l.get("p999Ms"), l.get("maxMs")));
        }
        md.append("\n");

        md.append("Gateway process start to readiness 200 (s), every gateway start of this run in order (all"
                + " variants): ");
        md.append(runs.stream().filter(r -> r.get("startupToReadySeconds") != null)
                .map(r -> String.valueOf(r.get("startupToReadySeconds"))).toList());
        latency.stream().filter(l -> l.get("startupToReadySeconds") != null)
                .forEach(l -> md.append(" + latency run ").append(l.get("startupToReadySeconds")));
        md.append("; max RSS under load (MiB) per run: ").append(runs.stream()
                .filter(r -> !String.valueOf(r.get("copier")).startsWith("baseline"))
                .map(r -> r.get("copier") + " " + r.get("maxRssMiB")).toList()).append(".\n\n");

        md.append("Per run (noise: `other cores` is the CPU that processes outside this benchmark used during the"
                + " run, from /proc/stat; 2.0 would be the whole machine):\n\n");
        md.append("| run | msg/s | s measured | s start-to-all | ready s | copier us/msg | RabbitMQ us/msg |"
                + " Kafka us/msg | PostgreSQL us/msg | machine busy cores | other cores | load avg before |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : runs) {
            md.append(String.format("| %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.get("copier"),
                    r.get("repetition"), r.get("msgPerSecond"), r.get("secondsFirstToAll"), r.get("secondsStartToAll"),
                    r.get("startupToReadySeconds") == null ? "" : r.get("startupToReadySeconds"),
                    r.get("copierCpuMicrosPerMsg"), r.get("rabbitmqCpuMicrosPerMsg"), r.get("kafkaCpuMicrosPerMsg"),
                    r.getOrDefault("postgresCpuMicrosPerMsg", ""),
                    r.get("machineBusyCores"), r.get("otherProcessesCores"), r.get("loadAverageBefore")));
        }
        md.append("\n");
        md.append(SagaReport.section(report.get("saga")));
        md.append(String.format("Machine: %s CPUs (%s), %s GiB, %s; load average at start %s.%n", machine.get("cpus"),
                machine.get("cpuModel"), machine.get("memoryGiB"), machine.get("os"), machine.get("loadAverageAtStart")));
        md.append(String.format("Versions: %s; Kafka %s; RabbitMQ %s; Interchange %s.%n%n", versions.get("java"),
                versions.get("kafka"), versions.get("rabbitmq"), versions.get("interchangeCommit")));
        md.append("Settings:\n\n");
        settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append("\n"));
        md.append("\nRun time ").append(report.get("totalSeconds")).append(" s.\n");
        return md.toString();
    }

    @SuppressWarnings("unchecked")
    private static String row(String name, String guarantees, Map<String, Object> summary, String ratio,
            String headerRatio, List<Map<String, Object>> runs, String copier) {
        List<Map<String, Object>> mine = runs.stream().filter(r -> copier.equals(r.get("copier"))).toList();
        return String.format("| %s | %s | %,d (%,d-%,d) | %s | %s | %d | %s | %s | %s | %s |%n", name, guarantees,
                ((Number) summary.get("median")).longValue(), ((Number) summary.get("min")).longValue(),
                ((Number) summary.get("max")).longValue(), ratio, headerRatio, mine.size(),
                medianOf(mine, "copierCpuMicrosPerMsg"), medianOf(mine, "rabbitmqCpuMicrosPerMsg"),
                medianOf(mine, "postgresCpuMicrosPerMsg"),
                mine.stream().mapToLong(r -> ((Number) r.get("maxRssMiB")).longValue()).max().orElse(-1));
    }

    private static Object medianOf(List<Map<String, Object>> runs, String key) {
        List<Double> values = runs.stream().filter(r -> r.get(key) != null).map(r -> ((Number) r.get(key)).doubleValue())
                .sorted().toList();
        return values.isEmpty() ? "" : values.get(values.size() / 2);
    }
}

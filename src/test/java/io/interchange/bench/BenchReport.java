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
                        + " the same brokers; fresh consumer group and purged queue per run; each repetition runs the baseline,"
                        + " then each gateway variant and its same-work raw copier back to back.%n%n",
                settings.get("records"), settings.get("recordBytes"), settings.get("keys"), settings.get("partitions"),
                settings.get("rabbitmq")));

        md.append(pairsSection(report));
        md.append(profilesSection(report));
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
                case "baseline-dedupe" -> "raw clients, the same with headers, plus the gateway's PostgreSQL"
                        + " idempotency work by hand (reserve per poll batch, confirm after RabbitMQ confirmed)";
                default -> String.valueOf(settings.getOrDefault("variant " + copier,
                        "Interchange variant `" + copier + "` (see settings)"));
            };
            String guarantees = copier.equals("baseline-dedupe") ? "at-least-once, each (source, id) once"
                    : copier.startsWith("baseline") ? "at-least-once"
                    : copier.contains("dedupe") ? "at-least-once, per-partition order, each (source, id) once"
                            : "at-least-once, per-partition order";
            md.append(row(name, guarantees, (Map<String, Object>) throughput.get(copier),
                    String.format("%.2f", ((Number) ratios.get(copier)).doubleValue()),
                    headerRatios.get(copier) == null ? "" : String.format("%.2f", ((Number) headerRatios.get(copier)).doubleValue()),
                    runs, copier));
        }
        md.append(SagaReport.bridgeTableRow(report.get("saga"))).append("\n");
        md.append("Ratio to the baseline run of the same repetition: ")
                .append(throughput.get("ratioPerRepetition")).append(".\n\n");

        md.append("Latency runs, Kafka send to RabbitMQ delivery, at a fixed rate after a warm-up:\n\n");
        md.append("| run | copier | rate msg/s (achieved) | received | p50 ms | p99 ms | p99.9 ms | max ms |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> l : latency) {
            String copier = l.get("copier") + (l.get("pairedWith") == null ? "" : " (for " + l.get("pairedWith") + ")");
            if (l.containsKey("error")) {
                md.append("| ").append(l.getOrDefault("run", "")).append(" | ").append(copier).append(" | failed: ")
                        .append(l.get("error")).append(" | | | | | |\n");
                continue;
            }
            md.append(String.format("| %s | %s | %s (%s) | %s of %s | %s | %s | %s | %s |%n", l.getOrDefault("run", ""),
                    copier, l.get("rate"), l.get("achievedRate"), l.get("received"), l.get("sent"), l.get("p50Ms"),
                    l.get("p99Ms"), l.get("p999Ms"), l.get("maxMs")));
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
            md.append(String.format("| %s %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.get("copier"),
                    r.get("repetition"), r.get("pairedWith") == null ? "" : " (for " + r.get("pairedWith") + ")", r.get("msgPerSecond"), r.get("secondsFirstToAll"), r.get("secondsStartToAll"),
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

    /** The throughput targets (gateway / same-work raw copier, median of the pairs). */
    static final Map<String, Double> RATIO_TARGETS = Map.of("cloudevents", 0.95, "cloudevents-dedupe", 0.90);

    /** Where each variant's CPU and allocation per message go (bench.profile=true): one column pair per variant. */
    @SuppressWarnings("unchecked")
    static String profilesSection(Map<String, Object> report) {
        Map<String, Object> profiles = (Map<String, Object>) report.get("profiles");
        if (profiles == null || profiles.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("Where the gateway's CPU and allocation per message go: JFR (settings=profile)"
                + " over the measured window of one extra run per variant; an area's CPU is its share of the execution"
                + " samples times the variant's median CPU per message in its runs without JFR (GC and JIT threads are"
                + " not sampled, so their CPU is spread over the areas); allocation is JFR's estimate of the bytes"
                + " allocated per message. Last row: CPU per message without JFR (with JFR) and the JFR run's msg/s.\n\n| area |");
        StringBuilder rule = new StringBuilder("|---|");
        profiles.keySet().forEach(variant -> {
            md.append(' ').append(variant).append(" us/msg | ").append(variant).append(" B/msg |");
            rule.append("---|---|");
        });
        md.append('\n').append(rule).append('\n');
        for (String area : JfrProfile.AREAS) {
            StringBuilder row = new StringBuilder("| ").append(area).append(" |");
            boolean any = false;
            for (Object value : profiles.values()) {
                Map<String, Object> areas = (Map<String, Object>) ((Map<String, Object>) value).get("areas");
                Map<String, Object> a = (Map<String, Object>) areas.get(area);
                any |= a != null;
                row.append(' ').append(a == null ? "" : a.get("cpuMicrosPerMsg")).append(" | ")
                        .append(a == null ? "" : a.get("allocatedBytesPerMsg")).append(" |");
            }
            if (any) {
                md.append(row).append('\n');
            }
        }
        StringBuilder total = new StringBuilder("| **all** (run's msg/s) |");
        for (Object value : profiles.values()) {
            Map<String, Object> p = (Map<String, Object>) value;
            Map<String, Object> run = (Map<String, Object>) p.get("run");
            total.append(' ').append(p.get("cpuMicrosPerMsg")).append(" (").append(p.get("cpuMicrosPerMsgUnderJfr"))
                    .append("; ").append(run.get("msgPerSecond")).append(" msg/s) | ")
                    .append(p.get("allocatedBytesPerMsg")).append(" |");
        }
        md.append(total).append("\n\n");
        return md.toString();
    }

    /**
     * The comparison first: each gateway variant against the raw copier doing the same work (throughput pairs),
     * then the latency pairs, then the gateway's JVM options and RSS.
     */
    @SuppressWarnings("unchecked")
    static String pairsSection(Map<String, Object> report) {
        Map<String, Object> pairs = (Map<String, Object>) report.get("pairs");
        if (pairs == null) {
            return "";
        }
        StringBuilder md = new StringBuilder();
        md.append("Each gateway variant against the raw copier doing the same work, run back to back (r: raw copier ran"
                + " first, g: gateway first); ratio = gateway msg/s / raw msg/s; CPU: the copier process, median:\n\n");
        md.append("| variant | same-work raw copier | ratio per pair | median ratio (min-max) | target |"
                + " gateway msg/s | raw msg/s | gateway CPU us/msg | raw CPU us/msg | CPU ratio |"
                + " PostgreSQL us/msg gateway / raw | gateway max RSS MiB |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        pairs.forEach((variant, value) -> {
            Map<String, Object> p = (Map<String, Object>) value;
            List<Object> ratios = (List<Object>) p.get("ratios");
            List<Object> first = (List<Object>) p.get("firstInPair");
            StringBuilder perPair = new StringBuilder();
            for (int i = 0; i < ratios.size(); i++) {
                perPair.append(i == 0 ? "" : ", ").append(String.format("%.3f", ((Number) ratios.get(i)).doubleValue()))
                        .append(" (").append(String.valueOf(first.get(i)).charAt(0)).append(")");
            }
            double median = ((Number) p.get("medianRatio")).doubleValue();
            Double target = RATIO_TARGETS.get(variant);
            String met = target == null ? "" : String.format("≥ %.2f: %s", target, median >= target ? "met" : "not met");
            String postgres = p.containsKey("gatewayPostgresCpuMicrosPerMsg")
                    ? p.get("gatewayPostgresCpuMicrosPerMsg") + " / " + p.get("rawPostgresCpuMicrosPerMsg") : "";
            md.append(String.format("| %s | %s | %s | %.3f (%.3f-%.3f) | %s | %,d | %,d | %s | %s | %s | %s | %s |%n",
                    variant, p.get("raw"), perPair, median, ((Number) p.get("minRatio")).doubleValue(),
                    ((Number) p.get("maxRatio")).doubleValue(), met, ((Number) p.get("gatewayMsgPerSecondMedian")).longValue(),
                    ((Number) p.get("rawMsgPerSecondMedian")).longValue(), p.get("gatewayCpuMicrosPerMsg"),
                    p.get("rawCpuMicrosPerMsg"), p.get("cpuRatio"), postgres, p.get("gatewayMaxRssMiB")));
        });
        md.append("\n");

        List<Map<String, Object>> latencyPairs = (List<Map<String, Object>>) report.get("latencyPairs");
        if (latencyPairs != null && !latencyPairs.isEmpty()) {
            md.append(String.format("Latency at %s msg/s, each gateway variant right after its same-work raw copier"
                    + " (p50 / p99 / p99.9 / max, ms):%n%n", latencyPairs.isEmpty() ? "" : rateOf(report)));
            md.append("| run | variant | raw copier | raw | gateway | p99 gateway - raw ms | within "
                    + String.format("%.0f", BridgeBenchmark.P99_BUDGET_MS) + " ms |\n|---|---|---|---|---|---|---|\n");
            for (Map<String, Object> l : latencyPairs) {
                if (l.containsKey("error")) {
                    md.append(String.format("| %s | %s | %s | failed: %s | | | |%n", l.get("run"), l.get("variant"),
                            l.get("raw"), l.get("error")));
                    continue;
                }
                md.append(String.format("| %s | %s | %s | %s / %s / %s / %s | %s / %s / %s / %s | %s | %s |%n",
                        l.get("run"), l.get("variant"), l.get("raw"), l.get("rawP50Ms"), l.get("rawP99Ms"),
                        l.get("rawP999Ms"), l.get("rawMaxMs"), l.get("gatewayP50Ms"), l.get("gatewayP99Ms"),
                        l.get("gatewayP999Ms"), l.get("gatewayMaxMs"), l.get("p99DifferenceMs"),
                        Boolean.TRUE.equals(l.get("p99WithinBudget")) ? "yes" : "no"));
            }
            md.append("\n");
        }

        Map<String, Object> jvm = (Map<String, Object>) report.get("gatewayJvm");
        if (jvm != null) {
            List<Map<String, Object>> runs = (List<Map<String, Object>>) report.getOrDefault("throughputRuns", List.of());
            List<Map<String, Object>> latency = (List<Map<String, Object>>) report.getOrDefault("latency", List.of());
            List<String> rss = new java.util.ArrayList<>();
            long max = -1;
            for (Map<String, Object> r : runs) {
                if (!String.valueOf(r.get("copier")).startsWith("baseline") && r.get("maxRssMiB") instanceof Number n) {
                    rss.add(r.get("copier") + " " + r.get("repetition") + ": " + n);
                    max = Math.max(max, n.longValue());
                }
            }
            for (Map<String, Object> l : latency) {
                String copier = String.valueOf(l.get("copier"));
                if (!copier.startsWith("baseline") && !copier.equals("kafka-only") && l.get("maxRssMiB") instanceof Number n) {
                    rss.add(copier + " latency " + l.get("run") + ": " + n);
                    max = Math.max(max, n.longValue());
                }
            }
            long target = ((Number) jvm.getOrDefault("rssTargetMiB", BridgeBenchmark.RSS_TARGET_MIB)).longValue();
            md.append("Gateway JVM options: `").append(jvm.get("options")).append("` (").append(jvm.get("source"))
                    .append(").");
            if (jvm.get("chartMemoryLimit") != null) {
                md.append(String.format(" The chart's memory limit is %s (%s MiB, heap %s %% of it); target: RSS at or below"
                        + " %d MiB.", jvm.get("chartMemoryLimit"), jvm.get("chartMemoryLimitMiB"),
                        jvm.get("chartMaxRamPercentage"), target));
            } else {
                md.append(String.format(" Target: RSS at or below %d MiB with the chart's options (not used in this run).",
                        target));
            }
            md.append(String.format(" Gateway max RSS per run (MiB): %s; highest %d MiB: %s.%n%n", String.join(", ", rss),
                    max, max < 0 ? "not measured" : max <= target ? "at or below the target" : "above the target"));
        }
        return md.toString();
    }

    @SuppressWarnings("unchecked")
    private static Object rateOf(Map<String, Object> report) {
        List<Map<String, Object>> latency = (List<Map<String, Object>>) report.getOrDefault("latency", List.of());
        return latency.stream().map(l -> l.get("rate")).filter(java.util.Objects::nonNull).findFirst().orElse("?");
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

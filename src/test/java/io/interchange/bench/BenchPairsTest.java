package io.interchange.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BenchPairsTest {

    private static Map<String, Object> run(long msgPerSecond, double cpu, Double postgres, long rss) {
        Map<String, Object> run = new HashMap<>();
        run.put("msgPerSecond", msgPerSecond);
        run.put("copierCpuMicrosPerMsg", cpu);
        if (postgres != null) {
            run.put("postgresCpuMicrosPerMsg", postgres);
        }
        run.put("maxRssMiB", rss);
        return run;
    }

    @Test
    @SuppressWarnings("unchecked")
    void medianRatioWithSpreadAndCpuPerVariant() {
        List<Pairs.Pair> pairs = List.of(
                new Pairs.Pair("cloudevents", "baseline-headers", 1, "raw", run(9_000, 40.0, null, 300),
                        run(10_000, 20.0, null, 100)),
                new Pairs.Pair("cloudevents-dedupe", "baseline-dedupe", 1, "raw", run(8_000, 60.0, 30.0, 320),
                        run(10_000, 25.0, 10.0, 110)),
                new Pairs.Pair("cloudevents", "baseline-headers", 2, "gateway", run(9_900, 44.0, null, 310),
                        run(10_000, 22.0, null, 100)),
                new Pairs.Pair("cloudevents", "baseline-headers", 3, "raw", run(12_000, 42.0, null, 305),
                        run(12_500, 21.0, null, 100)));

        Map<String, Object> summary = Pairs.summarize(pairs);

        assertThat(summary).containsOnlyKeys("cloudevents", "cloudevents-dedupe");
        Map<String, Object> ce = (Map<String, Object>) summary.get("cloudevents");
        assertThat(ce.get("raw")).isEqualTo("baseline-headers");
        assertThat(ce.get("ratios")).isEqualTo(List.of(0.9, 0.99, 0.96));
        assertThat(ce.get("medianRatio")).isEqualTo(0.96);
        assertThat(ce.get("minRatio")).isEqualTo(0.9);
        assertThat(ce.get("maxRatio")).isEqualTo(0.99);
        assertThat(ce.get("firstInPair")).isEqualTo(List.of("raw", "gateway", "raw"));
        assertThat(ce.get("gatewayMsgPerSecondMedian")).isEqualTo(9_900L);
        assertThat(ce.get("rawMsgPerSecondMedian")).isEqualTo(10_000L);
        assertThat(ce.get("gatewayCpuMicrosPerMsg")).isEqualTo(42.0);
        assertThat(ce.get("rawCpuMicrosPerMsg")).isEqualTo(21.0);
        assertThat(ce.get("cpuRatio")).isEqualTo(2.0);
        assertThat(ce.get("gatewayMaxRssMiB")).isEqualTo(310L);
        assertThat(ce).doesNotContainKey("gatewayPostgresCpuMicrosPerMsg");

        Map<String, Object> dedupe = (Map<String, Object>) summary.get("cloudevents-dedupe");
        assertThat(dedupe.get("medianRatio")).isEqualTo(0.8);
        assertThat(dedupe.get("gatewayPostgresCpuMicrosPerMsg")).isEqualTo(30.0);
        assertThat(dedupe.get("rawPostgresCpuMicrosPerMsg")).isEqualTo(10.0);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Pairs.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Pairs.median(List.of(4.0, 1.0, 3.0, 2.0))).isCloseTo(2.5, within(1e-9));
        assertThat(Pairs.median(List.of())).isNaN();
    }

    @Test
    void reportPutsThePairsTableFirst() {
        Map<String, Object> report = new HashMap<>();
        report.put("pairs", Pairs.summarize(List.of(new Pairs.Pair("cloudevents", "baseline-headers", 1, "raw",
                run(9_600, 40.0, null, 300), run(10_000, 20.0, null, 100)))));
        report.put("latencyPairs", List.of(Map.of("run", 1, "variant", "cloudevents", "raw", "baseline-headers",
                "rawP99Ms", 4.0, "gatewayP99Ms", 7.5, "p99DifferenceMs", 3.5, "p99WithinBudget", true)));
        report.put("gatewayJvm", Map.of("options", "-XX:MaxRAMPercentage=75", "source", "chart",
                "chartMemoryLimit", "1Gi", "chartMemoryLimitMiB", 1024, "chartMaxRamPercentage", "75", "rssTargetMiB", 512));
        report.put("throughputRuns", List.of(Map.of("copier", "cloudevents", "repetition", 1, "maxRssMiB", 300)));

        String md = BenchReport.pairsSection(report);

        assertThat(md).contains("| cloudevents | baseline-headers | 0.960 (r) | 0.960 (0.960-0.960) | ≥ 0.95: met |"
                + " 9,600 | 10,000 | 40.0 | 20.0 | 2.0 |  | 300 |");
        assertThat(md).contains("| 3.5 | yes |");
        assertThat(md).contains("1Gi (1024 MiB").contains("highest 300 MiB: at or below the target");
    }
}

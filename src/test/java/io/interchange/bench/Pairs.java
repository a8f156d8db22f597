package io.interchange.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Gateway variant against the raw copier doing the same work, run back to back: per pair the ratio of the
 * gateway's msg/s to the raw copier's, and per variant the median of those ratios with their spread, and
 * both copiers' CPU per message.
 */
final class Pairs {

    private Pairs() {
    }

    /**
     * One pair of throughput runs of one repetition.
     *
     * @param first which ran first: "raw" or "gateway"
     */
    record Pair(String variant, String raw, int repetition, String first, Map<String, Object> gatewayRun,
            Map<String, Object> rawRun) {

        double ratio() {
            return number(gatewayRun, "msgPerSecond") / number(rawRun, "msgPerSecond");
        }

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("variant", variant);
            map.put("raw", raw);
            map.put("repetition", repetition);
            map.put("first", first);
            map.put("gatewayMsgPerSecond", gatewayRun.get("msgPerSecond"));
            map.put("rawMsgPerSecond", rawRun.get("msgPerSecond"));
            map.put("ratio", BridgeBenchmark.round(ratio(), 3));
            return map;
        }
    }

    /** Per variant, in the order first seen: the ratios, their median, min and max, CPU per message, RSS. */
    static Map<String, Object> summarize(List<Pair> pairs) {
        Map<String, List<Pair>> byVariant = new LinkedHashMap<>();
        pairs.forEach(p -> byVariant.computeIfAbsent(p.variant(), k -> new ArrayList<>()).add(p));
        Map<String, Object> summary = new LinkedHashMap<>();
        byVariant.forEach((variant, mine) -> {
            List<Double> ratios = mine.stream().map(p -> BridgeBenchmark.round(p.ratio(), 3)).toList();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("raw", mine.get(0).raw());
            s.put("pairs", mine.size());
            s.put("ratios", ratios);
            s.put("medianRatio", BridgeBenchmark.round(median(ratios), 3));
            s.put("minRatio", ratios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
            s.put("maxRatio", ratios.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
            s.put("firstInPair", mine.stream().map(Pair::first).toList());
            s.put("gatewayMsgPerSecondMedian", Math.round(median(values(mine, true, "msgPerSecond"))));
            s.put("rawMsgPerSecondMedian", Math.round(median(values(mine, false, "msgPerSecond"))));
            double gatewayCpu = median(values(mine, true, "copierCpuMicrosPerMsg"));
            double rawCpu = median(values(mine, false, "copierCpuMicrosPerMsg"));
            s.put("gatewayCpuMicrosPerMsg", BridgeBenchmark.round(gatewayCpu, 1));
            s.put("rawCpuMicrosPerMsg", BridgeBenchmark.round(rawCpu, 1));
            s.put("cpuRatio", BridgeBenchmark.round(gatewayCpu / rawCpu, 2));
            List<Double> gatewayPostgres = values(mine, true, "postgresCpuMicrosPerMsg");
            List<Double> rawPostgres = values(mine, false, "postgresCpuMicrosPerMsg");
            if (!gatewayPostgres.isEmpty() || !rawPostgres.isEmpty()) {
                s.put("gatewayPostgresCpuMicrosPerMsg", BridgeBenchmark.round(median(gatewayPostgres), 1));
                s.put("rawPostgresCpuMicrosPerMsg", BridgeBenchmark.round(median(rawPostgres), 1));
            }
            s.put("gatewayMaxRssMiB", values(mine, true, "maxRssMiB").stream().mapToDouble(Double::doubleValue).max()
                    .stream().mapToLong(Math::round).findFirst().orElse(-1));
            summary.put(variant, s);
        });
        return summary;
    }

    /** The median; of an even count, the mean of the two middle values; NaN when empty. */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static List<Double> values(List<Pair> pairs, boolean gateway, String key) {
        return pairs.stream().map(p -> gateway ? p.gatewayRun() : p.rawRun()).map(r -> r.get(key))
                .filter(Objects::nonNull).map(v -> ((Number) v).doubleValue()).toList();
    }

    private static double number(Map<String, Object> run, String key) {
        return ((Number) run.get(key)).doubleValue();
    }
}

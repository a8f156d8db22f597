package io.interchange.bench;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The JVM options the Helm chart gives the gateway, read from helm/interchange/values.yaml at run time:
 * what {@code interchange.javaToolOptions} in helm/interchange/templates/_helpers.tpl renders
 * ({@code -XX:MaxRAMPercentage}, {@code -XX:+ExitOnOutOfMemoryError}, {@code -Djava.io.tmpdir}, the extra
 * options), plus {@code -XX:MaxRAM} set to the container memory limit ({@code resources.limits.memory}), so
 * the JVM sizes its heap as it would in a container with that limit.
 *
 * @param options          the options, in the order the chart renders them, then -XX:MaxRAM
 * @param memoryLimit      the chart's memory limit as written (e.g. 1Gi)
 * @param memoryLimitBytes the same in bytes
 * @param maxRamPercentage the chart's jvm.maxRamPercentage as written
 */
record ChartJvmOptions(List<String> options, String memoryLimit, long memoryLimitBytes, String maxRamPercentage) {

    static final String VALUES = "helm/interchange/values.yaml";

    private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([A-Za-z]*)");

    /** Reads the chart's values.yaml under {@code repo}; {@code tmpDir} stands in for the pod's /tmp volume. */
    static ChartJvmOptions read(Path repo, Path tmpDir) throws IOException {
        try (Reader reader = Files.newBufferedReader(repo.resolve(VALUES))) {
            Map<String, Object> values = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            return from(values, tmpDir);
        }
    }

    @SuppressWarnings("unchecked")
    static ChartJvmOptions from(Map<String, Object> values, Path tmpDir) {
        Map<String, Object> jvm = (Map<String, Object>) values.getOrDefault("jvm", Map.of());
        Map<String, Object> resources = (Map<String, Object>) values.getOrDefault("resources", Map.of());
        Map<String, Object> limits = (Map<String, Object>) resources.getOrDefault("limits", Map.of());
        Object percentage = jvm.get("maxRamPercentage");
        Object memory = limits.get("memory");
        if (percentage == null || memory == null) {
            throw new IllegalArgumentException(VALUES + ": jvm.maxRamPercentage and resources.limits.memory are"
                    + " needed to derive the gateway's JVM options, found " + percentage + " and " + memory);
        }
        long bytes = bytes(String.valueOf(memory));
        List<String> options = new ArrayList<>();
        // As _helpers.tpl: printf "-XX:MaxRAMPercentage=%v", then the fixed options, then extraOptions as written.
        options.add("-XX:MaxRAMPercentage=" + percentage);
        options.add("-XX:+ExitOnOutOfMemoryError");
        options.add("-Djava.io.tmpdir=" + tmpDir);
        Object extra = jvm.get("extraOptions");
        if (extra != null && !String.valueOf(extra).isBlank()) {
            options.addAll(List.of(String.valueOf(extra).strip().split("\\s+")));
        }
        options.add("-XX:MaxRAM=" + bytes);
        return new ChartJvmOptions(List.copyOf(options), String.valueOf(memory), bytes, String.valueOf(percentage));
    }

    /** A Kubernetes memory quantity in bytes: plain bytes, decimal (k, M, G, T) or binary (Ki, Mi, Gi, Ti) suffixes. */
    static long bytes(String quantity) {
        Matcher m = QUANTITY.matcher(quantity.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a memory quantity: '" + quantity + "'");
        }
        double number = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2)) {
            case "" -> 1L;
            case "k" -> 1000L;
            case "M" -> 1000L * 1000;
            case "G" -> 1000L * 1000 * 1000;
            case "T" -> 1000L * 1000 * 1000 * 1000;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            default -> throw new IllegalArgumentException("unknown unit in memory quantity '" + quantity + "'");
        };
        return Math.round(number * unit);
    }

    String describe() {
        return String.join(" ", options) + " (from " + VALUES + ": resources.limits.memory " + memoryLimit
                + ", jvm.maxRamPercentage " + maxRamPercentage + ", as helm/interchange/templates/_helpers.tpl"
                + " renders JAVA_TOOL_OPTIONS, plus -XX:MaxRAM = the memory limit)";
    }
}

package io.interchange.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BenchChartJvmOptionsTest {

    private static final Path TMP = Path.of("/tmp/gateway-tmp");

    @Test
    void rendersTheChartOptionsInItsOrderPlusMaxRam() {
        ChartJvmOptions options = ChartJvmOptions.from(Map.of(
                "resources", Map.of("limits", Map.of("memory", "1Gi")),
                "jvm", Map.of("maxRamPercentage", 75, "extraOptions", " -XX:+UseSerialGC  -Xss512k ")), TMP);

        assertThat(options.options()).containsExactly("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.io.tmpdir=/tmp/gateway-tmp", "-XX:+UseSerialGC", "-Xss512k", "-XX:MaxRAM=1073741824");
        assertThat(options.memoryLimitBytes()).isEqualTo(1L << 30);
        assertThat(options.memoryLimit()).isEqualTo("1Gi");
    }

    @Test
    void noExtraOptionsWhenEmptyAndPercentageAsWritten() {
        ChartJvmOptions options = ChartJvmOptions.from(Map.of(
                "resources", Map.of("limits", Map.of("memory", "512Mi")),
                "jvm", Map.of("maxRamPercentage", 62.5, "extraOptions", "")), TMP);

        assertThat(options.options()).containsExactly("-XX:MaxRAMPercentage=62.5", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.io.tmpdir=/tmp/gateway-tmp", "-XX:MaxRAM=536870912");
    }

    @Test
    void memoryQuantities() {
        assertThat(ChartJvmOptions.bytes("1Gi")).isEqualTo(1_073_741_824L);
        assertThat(ChartJvmOptions.bytes("768Mi")).isEqualTo(768L << 20);
        assertThat(ChartJvmOptions.bytes("1.5Gi")).isEqualTo(3L << 29);
        assertThat(ChartJvmOptions.bytes("1G")).isEqualTo(1_000_000_000L);
        assertThat(ChartJvmOptions.bytes("500M")).isEqualTo(500_000_000L);
        assertThat(ChartJvmOptions.bytes("2048")).isEqualTo(2048L);
        assertThatThrownBy(() -> ChartJvmOptions.bytes("1 GB")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withoutALimitThereIsNothingToDerive() {
        assertThatThrownBy(() -> ChartJvmOptions.from(Map.of("jvm", Map.of("maxRamPercentage", 75)), TMP))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resources.limits.memory");
    }

    @Test
    void readsTheShippedChart() throws Exception {
        ChartJvmOptions options = ChartJvmOptions.read(Path.of("").toAbsolutePath(), TMP);

        assertThat(options.options()).first().asString().startsWith("-XX:MaxRAMPercentage=");
        assertThat(options.options()).contains("-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp/gateway-tmp",
                "-XX:MaxRAM=" + options.memoryLimitBytes());
        assertThat(options.memoryLimitBytes()).isPositive();
    }
}

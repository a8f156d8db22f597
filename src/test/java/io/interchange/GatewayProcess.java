package io.interchange;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.interchange.brokers.LoopbackPorts;

/**
 * The gateway as a separate JVM, as it runs in production, so a test can SIGKILL it mid-stream and
 * start it again. It runs from this JVM's class path with the routes and config of the checkout;
 * its output goes to {@code target/gateway-<name>.log}.
 */
public final class GatewayProcess implements AutoCloseable {

    private final String name;
    private final Map<String, String> environment;
    private Process process;

    /** {@code environment}: settings by property name ({@code camel.component.x}) or variable name. */
    public GatewayProcess(String name, Map<String, String> environment) {
        this.name = name;
        this.environment = environment;
    }

    public synchronized void start() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                InterchangeApplication.class.getName());
        // Settings become environment variables, the way a deployment passes them.
        environment.forEach((name, value) -> builder.environment()
                .put(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), value));
        // Free ports unless the test fixed them (a restarted gateway on the same traffic port, for instance, so
        // that an LRA coordinator can call it back at the address it registered before the crash).
        if (!environment.containsKey("INTERCHANGE_HTTP_PORT")) {
            builder.environment().put("INTERCHANGE_HTTP_PORT", String.valueOf(LoopbackPorts.free()));
        }
        if (!environment.containsKey("INTERCHANGE_MANAGEMENT_PORT")) {
            builder.environment().put("INTERCHANGE_MANAGEMENT_PORT", String.valueOf(LoopbackPorts.free()));
        }
        Path log = Path.of("target", "gateway-" + name + ".log");
        Files.createDirectories(log.getParent());
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
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

    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}

package io.interchange.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A copier under test as its own JVM: the gateway jar or the raw copier. Samples its resident memory while
 * it runs and stops it by its PID (SIGTERM, then SIGKILL after 30 s).
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final long startedNanos;
    private final AtomicLong maxRssKib = new AtomicLong(-1);
    private final ScheduledExecutorService sampler;
    private volatile boolean sampling;

    private ChildJvm(Process process, long startedNanos) {
        this.process = process;
        this.startedNanos = startedNanos;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-rss-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> {
            if (sampling) {
                long rss = ProcStats.rssKib(process.pid());
                maxRssKib.accumulateAndGet(rss, Math::max);
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    static ChildJvm start(List<String> command, Map<String, String> env, Path workDir, Path log) throws IOException {
        log.getParent().toFile().mkdirs();
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // Settings from the shell that runs the benchmark must not leak into the copier under test.
        builder.environment().keySet().removeIf(k -> k.startsWith("INTERCHANGE_") || k.startsWith("ORDERS_")
                || k.startsWith("SPRING_") || k.startsWith("CAMEL_") || k.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().putAll(env);
        long started = System.nanoTime();
        return new ChildJvm(builder.start(), started);
    }

    long pid() {
        return process.pid();
    }

    long startedNanos() {
        return startedNanos;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Starts (or restarts) recording the highest RSS seen. */
    void sampleRss() {
        maxRssKib.set(ProcStats.rssKib(process.pid()));
        sampling = true;
    }

    long maxRssKib() {
        return maxRssKib.get();
    }

    /** Nanos from process start until GET url answered 200. */
    long awaitHttp200(String url, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException("process exited with " + process.exitValue() + " before " + url);
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return System.nanoTime() - startedNanos;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(url + " not 200 within " + timeout);
    }

    @Override
    public void close() throws InterruptedException {
        sampling = false;
        sampler.shutdownNow();
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on 127.0.0.1", e);
        }
    }

    static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}

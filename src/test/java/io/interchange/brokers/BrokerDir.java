package io.interchange.brokers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A broker's working directory, {@code target/brokers/<name>/} (root overridable with the system property
 * {@code interchange.brokers.dir}). It holds the broker's data, logs and a {@code pid} file listing the PIDs of the
 * processes we started, one per line, so a script can kill leftovers after a JVM crash.
 */
final class BrokerDir {

    /**
     * Set in the environment of every process we start. A PID from an old {@code pid} file is only killed if that
     * process carries this marker with our directory: PIDs get reused, and we must never kill a stranger.
     */
    static final String MARKER_ENV = "INTERCHANGE_BROKER_DIR";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern ERROR_LINE = Pattern.compile("\\b(ERROR|FATAL|PANIC)\\b", Pattern.CASE_INSENSITIVE);

    private final Path path;

    private BrokerDir(Path path) {
        this.path = path;
    }

    static BrokerDir of(String name) {
        String root = System.getProperty("interchange.brokers.dir", "target/brokers");
        return new BrokerDir(Path.of(root, name).toAbsolutePath().normalize());
    }

    Path path() {
        return path;
    }

    Path resolve(String other) {
        return path.resolve(other);
    }

    String marker() {
        return MARKER_ENV + "=" + path;
    }

    /** Kills what a crashed JVM left running here, then starts from an empty directory. */
    void recreate() {
        reapLeftovers();
        try {
            if (Files.exists(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(file);
                    }
                }
            }
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot recreate " + path, e);
        }
    }

    void writePids(long... pids) {
        StringBuilder text = new StringBuilder();
        for (long pid : pids) {
            text.append(pid).append('\n');
        }
        write("pid", text.toString());
    }

    void deletePids() {
        try {
            Files.deleteIfExists(resolve("pid"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(String file, String content) {
        try {
            Files.createDirectories(path);
            return Files.writeString(resolve(file), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + resolve(file), e);
        }
    }

    /**
     * For failure messages: the first error lines of a log (a broker that fails to start usually logs its reason
     * once, then pages of shutdown noise) followed by its last lines.
     */
    String diagnosis(String file) {
        Path log = resolve(file);
        List<String> errors = List.of();
        try {
            if (Files.exists(log)) {
                errors = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                        .filter(line -> ERROR_LINE.matcher(line).find()).limit(10).toList();
            }
        } catch (IOException | UncheckedIOException e) {
            // tail() below reports the unreadable file
        }
        String nl = System.lineSeparator();
        return (errors.isEmpty() ? "" : "First errors in " + log + ":" + nl + String.join(nl, errors) + nl)
                + "Last lines of " + log + ":" + nl + tail(log, 15);
    }

    static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file + ")";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /**
     * The command run in a session of its own ({@code setsid} execs in place, so the PID stays the broker's):
     * Ctrl-C in a terminal signals the whole foreground process group, and a broker that died of it before
     * the JVM's shutdown hook could stop it in order leaves things behind (rabbitmqctl, finding no epmd,
     * starts a daemon one that outlives everything). The hook stops every broker; nothing else should.
     */
    static List<String> ownSession(List<String> command) {
        if (!Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 1);
        wrapped.add("/usr/bin/setsid");
        wrapped.addAll(command);
        return wrapped;
    }

    static String randomSecret() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private void reapLeftovers() {
        Path pidFile = resolve("pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<ProcessHandle> leftovers = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(pidFile)) {
                if (!line.isBlank()) {
                    ProcessHandle.of(Long.parseLong(line.trim())).filter(this::isOurs).ifPresent(leftovers::add);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return;
        }
        leftovers.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle leftover : leftovers) {
            waitForExit(leftover, Duration.ofSeconds(10));
        }
    }

    private boolean isOurs(ProcessHandle process) {
        return environment(process.pid()).map(env -> env.contains("\0" + marker() + "\0")).orElse(false);
    }

    private static Optional<String> environment(long pid) {
        try {
            byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
            return Optional.of("\0" + new String(environ, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static boolean waitForExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

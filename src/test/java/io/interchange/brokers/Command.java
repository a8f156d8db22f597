package io.interchange.brokers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived helper command (rabbitmqctl, initdb, pg_ctl, apt-get) to completion. */
final class Command {

    record Result(int exitCode, String output) {

        boolean ok() {
            return exitCode == 0;
        }
    }

    private Command() {
    }

    /**
     * Output goes to a file, not a pipe: a daemon started by the command (rabbitmq-server -detached, pg_ctl start)
     * inherits stdout and would keep a pipe open long after the command itself finished.
     */
    static Result run(List<String> command, Map<String, String> environment, BrokerDir dir, Duration timeout) {
        Path output = dir.resolve("command.out");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.path().toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(environment);
        builder.environment().put(BrokerDir.MARKER_ENV, dir.path().toString());
        try {
            Files.createDirectories(dir.path());
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out after " + timeout + ": " + String.join(" ", command)
                        + System.lineSeparator() + BrokerDir.tail(output, 20));
            }
            return new Result(process.exitValue(), Files.readString(output));
        } catch (IOException e) {
            return new Result(-1, "cannot run " + String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted: " + String.join(" ", command));
        }
    }
}

package io.interchange.brokers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server (the machine's binaries) with its data under {@code target/brokers/postgres/}, on 127.0.0.1
 * and a free port, with database {@code interchange} owned by user {@code interchange} with a random password.
 *
 * <p>PostgreSQL refuses to run as root. When the JVM is root, initdb and pg_ctl run through
 * {@code runuser -u postgres} (or {@code nobody} if the Debian postgres user does not exist) and the directory is
 * handed to that user.
 */
public final class PostgresBroker implements Broker {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresBroker.class);

    static final String INSTALL = "apt-get install -y --no-install-recommends postgresql";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String DATABASE = "interchange";

    private final BrokerDir dir = BrokerDir.of("postgres");
    private final int port = LoopbackPorts.free();
    private final String username = "interchange";
    private final String password = BrokerDir.randomSecret();
    private Path bin;
    private boolean initialized;
    private volatile ProcessHandle postmaster;

    @Override
    public String name() {
        return "postgres";
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String database() {
        return DATABASE;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** PID of the postmaster, or -1 when stopped. */
    public long pid() {
        ProcessHandle current = postmaster;
        return current != null && current.isAlive() ? current.pid() : -1;
    }

    @Override
    public synchronized boolean isRunning() {
        return postmaster != null && postmaster.isAlive();
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        long begin = System.nanoTime();
        if (!initialized) {
            bin = findBinaries();
            dir.recreate();
            initdb();
        }
        Command.Result started = pg("pg_ctl", "-D", dataDir().toString(), "-l", dir.resolve("postgres.log").toString(),
                "-w", "-t", Long.toString(START_TIMEOUT.toSeconds()), "start");
        postmaster = readPostmasterPid().flatMap(ProcessHandle::of).orElse(null);
        if (!started.ok() || postmaster == null) {
            throw unavailable("pg_ctl start failed: " + started.output() + logTail(), null);
        }
        dir.writePids(postmaster.pid());
        if (!initialized) {
            createDatabase();
            initialized = true;
        }
        LOG.info("PostgreSQL started at {} (pid {}) in {} ms", jdbcUrl(), postmaster.pid(),
                Deadline.millisSince(begin));
    }

    /** {@code pg_ctl stop -m fast}: open transactions are rolled back, clients disconnected. */
    @Override
    public synchronized void stop() {
        if (postmaster == null) {
            return;
        }
        Command.Result stopped = pg("pg_ctl", "-D", dataDir().toString(), "-m", "fast", "-w", "stop");
        if (!stopped.ok() || !BrokerDir.waitForExit(postmaster, Duration.ofSeconds(30))) {
            postmaster.destroyForcibly();
            BrokerDir.waitForExit(postmaster, Duration.ofSeconds(30));
        }
        postmaster = null;
        dir.deletePids();
    }

    /** SIGKILL of the postmaster, as in a crash; the next start() runs crash recovery. */
    public synchronized void kill() {
        if (postmaster == null) {
            return;
        }
        postmaster.destroyForcibly();
        BrokerDir.waitForExit(postmaster, Duration.ofSeconds(30));
        postmaster = null;
        dir.deletePids();
    }

    private void initdb() {
        dir.write("pwfile", password + "\n");
        dir.write("postgres.log", "");
        Optional<String> runAs = runAsUser();
        if (runAs.isPresent()) {
            chownRecursively(dir.path(), runAs.get());
        }
        Command.Result result = pg("initdb", "-D", dataDir().toString(), "-U", username,
                "--pwfile=" + dir.resolve("pwfile"), "--auth=scram-sha-256", "-E", "UTF8", "--locale=C",
                "--no-sync", "--no-instructions");
        try {
            Files.deleteIfExists(dir.resolve("pwfile"));
        } catch (IOException e) {
            throw unavailable("cannot delete " + dir.resolve("pwfile") + ": " + e.getMessage(), e);
        }
        if (!result.ok()) {
            throw unavailable("initdb failed: " + result.output(), null);
        }
        // fsync=off: a test database need not survive a power cut; a killed server still recovers from its WAL.
        String settings = """

                # Added by io.interchange.brokers.PostgresBroker
                listen_addresses = '127.0.0.1'
                port = %d
                unix_socket_directories = '%s'
                fsync = off
                full_page_writes = off
                shared_buffers = 32MB
                max_connections = 50
                """.formatted(port, dir.path());
        try {
            Files.writeString(dataDir().resolve("postgresql.conf"), settings, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw unavailable("cannot write postgresql.conf: " + e.getMessage(), e);
        }
    }

    private void createDatabase() {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, username, password);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + username);
        } catch (SQLException e) {
            throw unavailable("cannot create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    /** Runs a PostgreSQL binary, as the unprivileged user when we are root. */
    private Command.Result pg(String binary, String... args) {
        List<String> command = new ArrayList<>();
        runAsUser().ifPresent(user -> command.addAll(List.of("runuser", "-u", user, "--")));
        command.add(bin.resolve(binary).toString());
        command.addAll(List.of(args));
        return Command.run(command, Map.of(), dir, START_TIMEOUT.plusSeconds(10));
    }

    private static Optional<String> runAsUser() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.empty();
        }
        try {
            lookup().lookupPrincipalByName("postgres");
            return Optional.of("postgres");
        } catch (UserPrincipalNotFoundException e) {
            return Optional.of("nobody");
        } catch (IOException e) {
            return Optional.of("nobody");
        }
    }

    private void chownRecursively(Path root, String user) {
        try (Stream<Path> files = Files.walk(root)) {
            UserPrincipal owner = lookup().lookupPrincipalByName(user);
            GroupPrincipal group = groupOf(user);
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
                view.setOwner(owner);
                if (group != null) {
                    view.setGroup(group);
                }
            }
        } catch (IOException e) {
            throw unavailable("cannot hand " + root + " to user " + user + ": " + e.getMessage(), e);
        }
    }

    private static GroupPrincipal groupOf(String user) {
        try {
            return lookup().lookupPrincipalByGroupName("postgres".equals(user) ? "postgres" : "nogroup");
        } catch (IOException e) {
            return null;
        }
    }

    private static UserPrincipalLookupService lookup() {
        return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService();
    }

    private Path findBinaries() {
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> candidates = Files.list(versions)) {
                Optional<Path> newest = candidates.map(version -> version.resolve("bin"))
                        .filter(candidate -> Files.isExecutable(candidate.resolve("initdb")))
                        .max(Comparator.comparingInt(PostgresBroker::majorVersion));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                // fall through to pg_config
            }
        }
        Command.Result pgConfig = Command.run(List.of("pg_config", "--bindir"), Map.of(), dir, Duration.ofSeconds(10));
        if (pgConfig.ok() && Files.isExecutable(Path.of(pgConfig.output().trim(), "initdb"))) {
            return Path.of(pgConfig.output().trim());
        }
        throw unavailable("no initdb under /usr/lib/postgresql/*/bin or in `pg_config --bindir`", null);
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    private Optional<Long> readPostmasterPid() {
        try {
            return Optional.of(Long.parseLong(Files.readAllLines(dataDir().resolve("postmaster.pid")).get(0).trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private String logTail() {
        return System.lineSeparator() + dir.diagnosis("postgres.log");
    }

    private BrokerUnavailableException unavailable(String reason, Throwable cause) {
        return new BrokerUnavailableException("PostgreSQL (127.0.0.1:" + port + ", dir " + dir.path() + ")", reason,
                "install the server binaries with `sudo " + INSTALL + "` (the harness runs its own server; the "
                        + "system service is not needed). As root, the directory must be reachable by user "
                        + "postgres (every parent directory executable by others)", cause);
    }
}

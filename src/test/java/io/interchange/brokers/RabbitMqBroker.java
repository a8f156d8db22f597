package io.interchange.brokers;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debian's rabbitmq-server (3.10) run from {@code target/brokers/rabbitmq/} on 127.0.0.1, with its own epmd on a
 * free port so it never meets a system epmd or a system RabbitMQ. Clients log in with a user that has a random
 * password; the node's default guest user is not created.
 */
public final class RabbitMqBroker implements AmqpBroker {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqBroker.class);

    static final String INSTALL = "apt-get update && apt-get install -y --no-install-recommends rabbitmq-server";

    private static final Path SCRIPTS = Path.of("/usr/lib/rabbitmq/bin");
    // Not /usr/sbin/rabbitmq-server: that wrapper switches to the rabbitmq user when run as root.
    private static final Path SERVER = SCRIPTS.resolve("rabbitmq-server");
    private static final Path CTL = SCRIPTS.resolve("rabbitmqctl");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    // Erlang distribution listens on all interfaces unless told otherwise, for the node and for every CLI call.
    private static final String LOOPBACK_DISTRIBUTION = "-kernel inet_dist_use_interface {127,0,0,1}";

    private final BrokerDir dir = BrokerDir.of("rabbitmq");
    private final int port = LoopbackPorts.free();
    /** Mutual TLS: the broker requires a client certificate signed by the test CA ({@link TestTls}). */
    private final int tlsPort = LoopbackPorts.free();
    private final int epmdPort = LoopbackPorts.free();
    private final int distributionPort = LoopbackPorts.free();
    private final String nodeName = "interchange-" + port + "@localhost";
    private final String username = "interchange";
    private final String password = BrokerDir.randomSecret();
    private boolean initialized;
    private volatile Process epmd;
    private volatile ProcessHandle node;

    /** True if Debian's rabbitmq-server package is installed. */
    public static boolean isInstalled() {
        return Files.isExecutable(SERVER) && Files.isExecutable(CTL);
    }

    @Override
    public String name() {
        return "rabbitmq";
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    /** The TLS listener (AMQPS); it requires a client certificate of the test CA. */
    public int tlsPort() {
        return tlsPort;
    }

    @Override
    public String username() {
        return username;
    }

    @Override
    public String password() {
        return password;
    }

    /** PIDs of the Erlang VM and its epmd, or an empty list when stopped; for socket checks in tests. */
    public List<Long> pids() {
        return node == null || epmd == null ? List.of() : List.of(node.pid(), epmd.pid());
    }

    @Override
    public synchronized boolean isRunning() {
        return node != null && node.isAlive();
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        long begin = System.nanoTime();
        installIfMissing();
        if (!initialized) {
            // First start of this instance: a fresh node. A restart keeps its Mnesia data, users and queues.
            dir.recreate();
            writeConfig();
        }
        startEpmd();
        Command.Result started = Command.run(List.of(SERVER.toString(), "-detached"), environment(), dir,
                Duration.ofSeconds(30));
        if (!started.ok()) {
            stopEpmd();
            throw unavailable("rabbitmq-server -detached failed: " + started.output() + logTail(), null);
        }
        // `rabbitmqctl wait` follows the pid file, then waits until the rabbit application runs (or the VM dies).
        Command.Result ready = Command.run(List.of(CTL.toString(), "wait", "--timeout",
                Long.toString(START_TIMEOUT.toSeconds()), pidFile().toString()), environment(), dir,
                START_TIMEOUT.plusSeconds(10));
        node = readNodePid().flatMap(ProcessHandle::of).orElse(null);
        if (!ready.ok() || node == null) {
            kill();
            throw unavailable("the node did not come up: " + ready.output() + logTail(), null);
        }
        dir.writePids(node.pid(), epmd.pid());
        initialized = true;
        LOG.info("RabbitMQ started at {}:{} (pid {}, epmd pid {}) in {} ms", host(), port, node.pid(), epmd.pid(),
                Deadline.millisSince(begin));
    }

    /** {@code rabbitmqctl stop}, which waits for the VM to exit; SIGKILL if that fails. Also stops our epmd. */
    @Override
    public synchronized void stop() {
        if (node != null && node.isAlive()) {
            Command.Result stopped = Command.run(List.of(CTL.toString(), "stop", pidFile().toString()),
                    environment(), dir, STOP_TIMEOUT);
            if (!stopped.ok() || !BrokerDir.waitForExit(node, STOP_TIMEOUT)) {
                node.destroyForcibly();
                BrokerDir.waitForExit(node, STOP_TIMEOUT);
            }
        }
        node = null;
        stopEpmd();
        dir.deletePids();
        LOG.info("RabbitMQ stopped");
    }

    /** {@code rabbitmqctl <arguments>} against this node; its output, or an exception if it failed. */
    public synchronized String ctl(String... arguments) {
        List<String> command = new java.util.ArrayList<>();
        command.add(CTL.toString());
        command.addAll(List.of(arguments));
        Command.Result result = Command.run(command, environment(), dir, Duration.ofSeconds(60));
        if (!result.ok()) {
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", arguments) + " failed: " + result.output());
        }
        return result.output();
    }

    /**
     * Ready and unacknowledged messages of every queue on vhost "/", as the node counts them
     * ({@code rabbitmqctl list_queues}): name -> {ready, unacknowledged}. AMQP itself only tells a client the
     * ready count, so this is how a test proves that no delivery is left unacknowledged.
     */
    public synchronized Map<String, long[]> queueDepths() {
        String listed = ctl("list_queues", "--quiet", "--no-table-headers", "name", "messages_ready",
                "messages_unacknowledged");
        Map<String, long[]> depths = new HashMap<>();
        for (String line : listed.split("\\R")) {
            String[] columns = line.strip().split("\\s+");
            if (columns.length == 3 && columns[1].matches("\\d+") && columns[2].matches("\\d+")) {
                depths.put(columns[0], new long[] {Long.parseLong(columns[1]), Long.parseLong(columns[2])});
            }
        }
        return depths;
    }

    /** SIGKILL of the Erlang VM, as in a crash; epmd is stopped too so that start() begins clean. */
    public synchronized void kill() {
        if (node != null) {
            node.destroyForcibly();
            BrokerDir.waitForExit(node, STOP_TIMEOUT);
        }
        node = null;
        stopEpmd();
        dir.deletePids();
    }

    /**
     * epmd started by us in the foreground, so that we own its PID. Left to itself the node would start
     * {@code epmd -daemon}, which outlives {@code rabbitmqctl stop} and is no child of ours.
     */
    private void startEpmd() {
        Path epmdBinary = Path.of("/usr/bin/epmd");
        ProcessBuilder builder = new ProcessBuilder(BrokerDir.ownSession(List.of(epmdBinary.toString(), "-address",
                "127.0.0.1", "-port", Integer.toString(epmdPort))))
                .directory(dir.path().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("epmd.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put(BrokerDir.MARKER_ENV, dir.path().toString());
        try {
            epmd = builder.start();
        } catch (IOException e) {
            throw unavailable("cannot start " + epmdBinary + ": " + e.getMessage(), e);
        }
        Deadline deadline = Deadline.in(Duration.ofSeconds(10));
        while (!LoopbackPorts.isOpen(epmdPort)) {
            if (!epmd.isAlive() || deadline.expired()) {
                stopEpmd();
                throw unavailable("epmd did not listen on 127.0.0.1:" + epmdPort + ": " + dir.diagnosis("epmd.log"),
                        null);
            }
            Deadline.pause();
        }
    }

    private void stopEpmd() {
        if (epmd != null) {
            epmd.destroy();
            if (!BrokerDir.waitForExit(epmd.toHandle(), Duration.ofSeconds(5))) {
                epmd.destroyForcibly();
            }
            epmd = null;
        }
    }

    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", dir.resolve("home").toString()); // the Erlang cookie lives here, shared by node and CLI
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distributionPort));
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        env.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
        env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", LOOPBACK_DISTRIBUTION);
        env.put("RABBITMQ_CTL_ERL_ARGS", LOOPBACK_DISTRIBUTION);
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_PID_FILE", pidFile().toString());
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        // Keep /etc/rabbitmq/rabbitmq-env.conf of a system installation out of our node.
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
        return env;
    }

    private void writeConfig() {
        try {
            Files.createDirectories(dir.resolve("home"));
            Files.createDirectories(dir.resolve("mnesia"));
            Files.createDirectories(dir.resolve("log"));
        } catch (IOException e) {
            throw unavailable("cannot create directories under " + dir.path() + ": " + e.getMessage(), e);
        }
        dir.write("enabled_plugins", "[].\n");
        dir.write("rabbitmq-env.conf", "");
        // default_user replaces guest on the first boot of a fresh node: no extra rabbitmqctl round trips.
        dir.write("rabbitmq.conf", """
                listeners.tcp.default = 127.0.0.1:%d
                default_vhost = /
                default_user = %s
                default_pass = %s
                default_user_tags.administrator = true
                default_permissions.configure = .*
                default_permissions.read = .*
                default_permissions.write = .*
                log.file.level = info
                log.console = false
                listeners.ssl.default = 127.0.0.1:%d
                ssl_options.cacertfile = %s
                ssl_options.certfile = %s
                ssl_options.keyfile = %s
                ssl_options.verify = verify_peer
                ssl_options.fail_if_no_peer_cert = true
                """.formatted(port, username, password, tlsPort, TestTls.get().caPem(), TestTls.get().serverPem(),
                TestTls.get().serverKey()));
    }

    private Path pidFile() {
        return dir.resolve("rabbitmq.pid");
    }

    private Optional<Long> readNodePid() {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile()).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private String logTail() {
        return System.lineSeparator() + dir.diagnosis("log/" + nodeName + ".log");
    }

    /**
     * Installs the Debian package when missing and we are root. A policy-rc.d that denies service starts keeps the
     * package's postinst from starting a system RabbitMQ on 0.0.0.0:5672.
     */
    private void installIfMissing() {
        if (isInstalled()) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw unavailable(SERVER + " is not installed and we are not root", null);
        }
        Path policy = Path.of("/usr/sbin/policy-rc.d");
        boolean ownPolicy = !Files.exists(policy);
        try {
            if (ownPolicy) {
                Files.writeString(policy, "#!/bin/sh\nexit 101\n");
                policy.toFile().setExecutable(true);
            }
            Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
            Command.Result update = Command.run(List.of("apt-get", "update"), env, dir, Duration.ofMinutes(5));
            Command.Result install = Command.run(List.of("apt-get", "install", "-y", "--no-install-recommends",
                    "rabbitmq-server"), env, dir, Duration.ofMinutes(10));
            if (!install.ok() || !isInstalled()) {
                throw unavailable("apt-get install failed:\n" + update.output() + install.output(), null);
            }
        } catch (IOException e) {
            throw unavailable("cannot write " + policy + ": " + e.getMessage(), e);
        } finally {
            if (ownPolicy) {
                policy.toFile().delete();
            }
        }
    }

    private BrokerUnavailableException unavailable(String reason, Throwable cause) {
        return new BrokerUnavailableException("RabbitMQ (127.0.0.1:" + port + ", node " + nodeName + ", dir "
                + dir.path() + ")", reason, "install it with `sudo " + INSTALL + "`; logs are in "
                + dir.resolve("log"), cause);
    }
}

package io.interchange.brokers;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka 3.9 KRaft broker (broker and controller in one) in its own JVM, on 127.0.0.1.
 * Kafka's own test kits bind all interfaces, hence a child process started from {@code kafka.Kafka}.
 */
public final class KafkaBroker implements Broker {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final String LOG_FILE = "kafka.log";

    private final BrokerDir dir = BrokerDir.of("kafka");
    private final int port = LoopbackPorts.free();
    private final int controllerPort = LoopbackPorts.free();
    /** TLS (server authentication), mutual TLS (client certificate required) and SASL_SSL with SCRAM-SHA-512. */
    private final int sslPort = LoopbackPorts.free();
    private final int mtlsPort = LoopbackPorts.free();
    private final int saslSslPort = LoopbackPorts.free();
    private final String scramPassword = BrokerDir.randomSecret();
    private boolean formatted;
    private volatile Process process;

    @Override
    public String name() {
        return "kafka";
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** PID of the broker JVM, or -1 when it is not running. */
    public long pid() {
        Process current = process;
        return current != null && current.isAlive() ? current.pid() : -1;
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        long begin = System.nanoTime();
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xms128m", "-Xmx512m",
                "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
                "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-cp", System.getProperty("java.class.path"),
                KafkaProcessMain.class.getName(),
                Long.toString(ProcessHandle.current().pid()),
                dir.resolve("server.properties").toString()));
        if (!formatted) {
            // First start of this instance: fresh data. A restart keeps the log dir, like a real broker restart.
            dir.recreate();
            writeConfig();
            command.add(Uuid.randomUuid().toString());
        }
        ProcessBuilder builder = new ProcessBuilder(BrokerDir.ownSession(command))
                .directory(dir.path().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(LOG_FILE).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put(BrokerDir.MARKER_ENV, dir.path().toString());
        try {
            process = builder.start();
        } catch (Exception e) {
            throw unavailable("cannot start " + command.get(0) + ": " + e, e);
        }
        dir.writePids(process.pid());
        awaitReady();
        if (!formatted) {
            addScramUser();
        }
        formatted = true;
        LOG.info("Kafka started at {} (pid {}) in {} ms", bootstrapServers(), process.pid(),
                Deadline.millisSince(begin));
    }

    /** SIGTERM (Kafka shuts down cleanly), SIGKILL if it takes longer than 30 s. */
    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!BrokerDir.waitForExit(process.toHandle(), STOP_TIMEOUT)) {
            process.destroyForcibly();
            BrokerDir.waitForExit(process.toHandle(), STOP_TIMEOUT);
        }
        process = null;
        dir.deletePids();
        LOG.info("Kafka stopped");
    }

    /** SIGKILL, as in a crash: unflushed state is lost the way it would be in production. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        BrokerDir.waitForExit(process.toHandle(), STOP_TIMEOUT);
        process = null;
        dir.deletePids();
    }

    /** TLS with server authentication: a client needs {@link TestTls#truststore()}. */
    public String sslBootstrapServers() {
        return "127.0.0.1:" + sslPort;
    }

    /** TLS that requires a client certificate signed by the test CA ({@link TestTls#clientKeystore()}). */
    public String mtlsBootstrapServers() {
        return "127.0.0.1:" + mtlsPort;
    }

    /** SASL_SSL with SCRAM-SHA-512 for {@link #scramUser()}. */
    public String saslSslBootstrapServers() {
        return "127.0.0.1:" + saslSslPort;
    }

    public String scramUser() {
        return "interchange";
    }

    public String scramPassword() {
        return scramPassword;
    }

    /** A producer of String keys and byte values with acks=all, as upstream services send. */
    public KafkaProducer<String, byte[]> producer() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }

    /** A consumer of String keys and byte values in {@code group}, starting at the earliest offset. */
    public KafkaConsumer<String, byte[]> consumer(String group) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Creates a topic with replication factor 1; an existing topic is left as it is. */
    public void createTopic(String topic, int partitions) {
        try (Admin admin = Admin.create(adminConfig())) {
            int existing = partitions;
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Cannot create topic " + topic, e.getCause());
                }
                // made earlier, perhaps with another partition count by another test
                existing = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                        .partitions().size();
            }
            awaitLeaders(admin, topic, existing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted creating topic " + topic, e);
        } catch (TimeoutException | ExecutionException e) {
            throw new IllegalStateException("Cannot create topic " + topic, e);
        }
    }

    /**
     * Waits until the broker acts as leader of every partition: ListOffsets is answered only by the
     * leader. A busy broker may take a while after creating a topic, and a producer that starts
     * earlier gets NOT_LEADER_OR_FOLLOWER (and, idempotent, can stall on sequence errors).
     */
    private static void awaitLeaders(Admin admin, String topic, int partitions) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Deadline deadline = Deadline.in(Duration.ofSeconds(120));
        while (true) {
            try {
                admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (deadline.expired()) {
                    throw new IllegalStateException("Topic " + topic + " has no serving leader after 120 s", e);
                }
                Thread.sleep(100); // poll again: the broker is still taking leadership
            }
        }
    }

    private Map<String, Object> adminConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
    }

    private void writeConfig() {
        Properties config = new Properties();
        config.setProperty("process.roles", "broker,controller");
        config.setProperty("node.id", "1");
        config.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
                + ",SSL://127.0.0.1:" + sslPort + ",MTLS://127.0.0.1:" + mtlsPort + ",SASL_SSL://127.0.0.1:" + saslSslPort);
        config.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",SSL://127.0.0.1:" + sslPort
                + ",MTLS://127.0.0.1:" + mtlsPort + ",SASL_SSL://127.0.0.1:" + saslSslPort);
        config.setProperty("listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL");
        TestTls tls = TestTls.get();
        for (String listener : List.of("ssl", "mtls", "sasl_ssl")) {
            String prefix = "listener.name." + listener + ".";
            config.setProperty(prefix + "ssl.keystore.location", tls.serverKeystore().toString());
            config.setProperty(prefix + "ssl.keystore.password", tls.password());
            config.setProperty(prefix + "ssl.keystore.type", "PKCS12");
            config.setProperty(prefix + "ssl.key.password", tls.password());
        }
        config.setProperty("listener.name.mtls.ssl.truststore.location", tls.truststore().toString());
        config.setProperty("listener.name.mtls.ssl.truststore.password", tls.password());
        config.setProperty("listener.name.mtls.ssl.truststore.type", "PKCS12");
        config.setProperty("listener.name.mtls.ssl.client.auth", "required");
        config.setProperty("listener.name.sasl_ssl.sasl.enabled.mechanisms", "SCRAM-SHA-512");
        config.setProperty("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        config.setProperty("controller.listener.names", "CONTROLLER");
        config.setProperty("inter.broker.listener.name", "PLAINTEXT");
        config.setProperty("log.dirs", dir.resolve("data").toString());
        config.setProperty("num.partitions", "1");
        config.setProperty("default.replication.factor", "1");
        config.setProperty("min.insync.replicas", "1");
        config.setProperty("offsets.topic.replication.factor", "1");
        // One partition instead of 50: creating the offsets topic on first group join is then instant.
        config.setProperty("offsets.topic.num.partitions", "1");
        config.setProperty("transaction.state.log.replication.factor", "1");
        config.setProperty("transaction.state.log.min.isr", "1");
        config.setProperty("transaction.state.log.num.partitions", "1");
        config.setProperty("group.initial.rebalance.delay.ms", "0");
        config.setProperty("auto.create.topics.enable", "true");
        // After kill() the restarted broker cannot register until the old registration's session expires
        // (default 9 s, then registration backoff: ~15 s). 4 s with 1 s heartbeats halves that without fencing the
        // broker during a GC pause on a busy two-core machine.
        config.setProperty("broker.heartbeat.interval.ms", "1000");
        config.setProperty("broker.session.timeout.ms", "4000");
        StringBuilder text = new StringBuilder("# Written by io.interchange.brokers.KafkaBroker\n");
        config.stringPropertyNames().stream().sorted()
                .forEach(key -> text.append(key).append('=').append(config.getProperty(key)).append('\n'));
        dir.write("server.properties", text.toString());
        // The test classpath carries logback, whose default would log DEBUG; keep the broker log readable.
        dir.write("logback.xml", """
                <configuration>
                  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="kafka" level="INFO"/>
                  <logger name="org.apache.kafka" level="INFO"/>
                  <logger name="state.change.logger" level="WARN"/>
                  <root level="WARN"><appender-ref ref="out"/></root>
                </configuration>
                """);
    }

    /** The SCRAM credential of the SASL_SSL listener, kept in the cluster metadata (restarts keep it). */
    private void addScramUser() {
        try (Admin admin = Admin.create(adminConfig())) {
            admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(
                    scramUser(), new org.apache.kafka.clients.admin.ScramCredentialInfo(
                            org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 4096), scramPassword)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw unavailable("cannot create the SCRAM user: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted creating the SCRAM user", e);
        }
    }

    private void awaitReady() {
        Deadline deadline = Deadline.in(START_TIMEOUT);
        // Poll the socket first: an AdminClient pointed at a closed port logs a warning per attempt.
        while (!LoopbackPorts.isOpen(port)) {
            checkAlive(deadline);
            Deadline.pause();
        }
        try (Admin admin = Admin.create(adminConfig())) {
            while (true) {
                checkAlive(deadline);
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw unavailable("interrupted while waiting for the broker", e);
                } catch (ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    // The broker is still starting; ask again until the deadline.
                }
                Deadline.pause();
            }
        }
    }

    private void checkAlive(Deadline deadline) {
        if (!process.isAlive()) {
            int exitCode = process.exitValue();
            process = null;
            dir.deletePids();
            throw unavailable("the broker JVM exited with code " + exitCode + "\n" + dir.diagnosis(LOG_FILE), null);
        }
        if (deadline.expired()) {
            String diagnosis = dir.diagnosis(LOG_FILE);
            kill();
            throw unavailable("not ready within " + START_TIMEOUT.toSeconds() + " s\n" + diagnosis, null);
        }
    }

    private BrokerUnavailableException unavailable(String reason, Throwable cause) {
        return new BrokerUnavailableException("Kafka (" + bootstrapServers() + ", dir " + dir.path() + ")", reason,
                "check " + dir.resolve(LOG_FILE) + "; the broker runs from org.apache.kafka:kafka_2.13 on the test "
                        + "classpath (run through Maven so it is there) and needs ~512 MB of free memory", cause);
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}

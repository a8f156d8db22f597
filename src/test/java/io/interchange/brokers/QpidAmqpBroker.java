package io.interchange.brokers;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.qpid.server.SystemLauncher;
import org.apache.qpid.server.model.BrokerModel;
import org.apache.qpid.server.model.SystemConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache Qpid Broker-J in this JVM, speaking AMQP 0-9-1 on 127.0.0.1 with an in-memory virtual host. For dev mode
 * only, when no RabbitMQ can run: it is not RabbitMQ (dead-lettering and TTL arguments are rejected or ignored, an
 * unroutable mandatory publish is nacked instead of returned), so tests about RabbitMQ behaviour must not use it.
 */
public final class QpidAmqpBroker implements AmqpBroker {

    private static final Logger LOG = LoggerFactory.getLogger(QpidAmqpBroker.class);

    private final BrokerDir dir = BrokerDir.of("qpid");
    private final int port = LoopbackPorts.free();
    private final String username = "interchange";
    private final String password = BrokerDir.randomSecret();
    private volatile SystemLauncher launcher;

    @Override
    public String name() {
        return "qpid";
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String username() {
        return username;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public synchronized boolean isRunning() {
        return launcher != null;
    }

    @Override
    public synchronized void start() {
        if (launcher != null) {
            return;
        }
        long begin = System.nanoTime();
        dir.recreate();
        Path config = dir.write("initial-config.json", initialConfig());
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(SystemConfig.TYPE, "Memory");
        attributes.put(SystemConfig.INITIAL_CONFIGURATION_LOCATION, config.toUri().toString());
        attributes.put(SystemConfig.STARTUP_LOGGED_TO_SYSTEM_OUT, false);
        attributes.put(SystemConfig.CONTEXT, Map.of(
                SystemConfig.QPID_WORK_DIR, dir.resolve("work").toString(),
                "qpid.home_dir", dir.path().toString()));
        SystemLauncher started = new SystemLauncher();
        try {
            started.startup(attributes);
        } catch (Exception e) {
            started.shutdown();
            throw new BrokerUnavailableException("Qpid Broker-J (127.0.0.1:" + port + ")", e.toString(),
                    "it runs in-process from org.apache.qpid:qpid-broker-core and the AMQP 0-8 and memory-store "
                            + "plugins on the test classpath; check that port " + port + " is free", e);
        }
        launcher = started;
        LOG.info("Qpid Broker-J (AMQP 0-9-1) started at {}:{} in {} ms", host(), port,
                Deadline.millisSince(begin));
    }

    @Override
    public synchronized void stop() {
        if (launcher != null) {
            launcher.shutdown();
            launcher = null;
        }
    }

    /**
     * One AMQP 0-9-1 port on loopback, a Plain user with our password (PLAIN allowed without TLS, as RabbitMQ
     * does), and an in-memory virtual host reached as "/" through the default alias.
     */
    private String initialConfig() {
        return """
                {
                  "name": "interchange-dev",
                  "modelVersion": "%s",
                  "authenticationproviders": [ {
                    "name": "plain",
                    "type": "Plain",
                    "secureOnlyMechanisms": [],
                    "users": [ { "name": "%s", "type": "managed", "password": "%s" } ]
                  } ],
                  "ports": [ {
                    "name": "AMQP",
                    "port": %d,
                    "bindingAddress": "127.0.0.1",
                    "protocols": [ "AMQP_0_9_1" ],
                    "authenticationProvider": "plain",
                    "virtualhostaliases": [
                      { "name": "nameAlias", "type": "nameAlias" },
                      { "name": "defaultAlias", "type": "defaultAlias" }
                    ]
                  } ],
                  "virtualhostnodes": [ {
                    "name": "default",
                    "type": "Memory",
                    "defaultVirtualHostNode": "true",
                    "virtualHostInitialConfiguration": "{\\"type\\": \\"Memory\\"}"
                  } ]
                }
                """.formatted(BrokerModel.MODEL_VERSION, username, password, port);
    }
}

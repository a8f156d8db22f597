package io.interchange.brokers;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The brokers of this JVM, shared by all integration tests and by dev mode. Each starts on first use and is
 * stopped by one JVM shutdown hook (or {@link #stopAll()}). Every call returns a running broker: one that a test
 * stopped for an outage and did not bring back is started again on its old ports. A broker that failed to start
 * fails every later call with the same {@link BrokerUnavailableException}, without trying again.
 */
public final class Brokers {

    private static final Logger LOG = LoggerFactory.getLogger(Brokers.class);

    private static final Slot<KafkaBroker> KAFKA = new Slot<>(KafkaBroker::new);
    private static final Slot<RabbitMqBroker> RABBITMQ = new Slot<>(RabbitMqBroker::new);
    private static final Slot<PostgresBroker> POSTGRES = new Slot<>(PostgresBroker::new);
    private static final Slot<SqsBroker> SQS = new Slot<>(SqsBroker::new);
    private static final Slot<QpidAmqpBroker> QPID = new Slot<>(QpidAmqpBroker::new);

    /** Started brokers in start order; stopped in reverse. */
    private static final List<Broker> STARTED = new ArrayList<>();
    private static Thread shutdownHook;
    private static AmqpBroker devAmqp;

    private Brokers() {
    }

    public static KafkaBroker kafka() {
        return KAFKA.get();
    }

    public static RabbitMqBroker rabbitmq() {
        return RABBITMQ.get();
    }

    public static PostgresBroker postgres() {
        return POSTGRES.get();
    }

    public static SqsBroker sqs() {
        return SQS.get();
    }

    /**
     * The AMQP broker for dev mode: RabbitMQ when rabbitmq-server is installed and starts, else Qpid Broker-J
     * in-process. Never use this in a test that claims RabbitMQ behaviour; use {@link #rabbitmq()}.
     */
    public static synchronized AmqpBroker devAmqp() {
        if (devAmqp == null) {
            if (RabbitMqBroker.isInstalled()) {
                try {
                    devAmqp = rabbitmq();
                    LOG.info("Dev AMQP broker: RabbitMQ at {}:{}", devAmqp.host(), devAmqp.port());
                } catch (BrokerUnavailableException e) {
                    LOG.warn("RabbitMQ is installed but did not start; falling back to Qpid Broker-J. {}",
                            e.getMessage());
                }
            } else {
                LOG.warn("rabbitmq-server is not installed (`sudo {}`); falling back to Qpid Broker-J",
                        RabbitMqBroker.INSTALL);
            }
            if (devAmqp == null) {
                devAmqp = QPID.get();
                LOG.warn("Dev AMQP broker: Qpid Broker-J (AMQP 0-9-1, NOT RabbitMQ: no dead-letter exchanges or TTL) "
                        + "at {}:{}", devAmqp.host(), devAmqp.port());
            }
        }
        devAmqp.start();
        return devAmqp;
    }

    /** Stops every broker this registry started, newest first. Safe to call more than once. */
    public static void stopAll() {
        List<Broker> brokers;
        synchronized (STARTED) {
            brokers = new ArrayList<>(STARTED);
        }
        for (int i = brokers.size() - 1; i >= 0; i--) {
            Broker broker = brokers.get(i);
            try {
                broker.stop();
            } catch (RuntimeException e) {
                // Keep going: one broker that fails to stop must not leave the others running.
                LOG.warn("Stopping {} failed", broker.name(), e);
            }
        }
    }

    private static void register(Broker broker) {
        synchronized (STARTED) {
            STARTED.add(broker);
            if (shutdownHook == null) {
                shutdownHook = new Thread(Brokers::stopAll, "interchange-brokers-shutdown");
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            }
        }
    }

    /** One broker, created and started on first use; its own lock, so brokers can start in parallel. */
    private static final class Slot<B extends Broker> {

        private final Supplier<B> factory;
        private B broker;
        private BrokerUnavailableException failure;

        Slot(Supplier<B> factory) {
            this.factory = factory;
        }

        synchronized B get() {
            if (failure != null) {
                throw failure;
            }
            if (broker == null) {
                B created = factory.get();
                // Registered before starting, so a half-started broker is stopped at exit as well.
                register(created);
                try {
                    created.start();
                } catch (BrokerUnavailableException e) {
                    failure = e;
                    throw e;
                }
                broker = created;
            }
            broker.start();
            return broker;
        }
    }
}

/**
 * Real brokers on 127.0.0.1 for integration tests ({@code *IT}) and dev mode: Kafka (KRaft, child JVM), RabbitMQ
 * (Debian's rabbitmq-server), PostgreSQL (the machine's binaries), SQS (ElasticMQ in-process) and, for dev mode
 * only, Qpid Broker-J as an AMQP 0-9-1 stand-in. Use them through {@link io.interchange.brokers.Brokers}, which
 * starts each once per JVM and stops them at exit.
 *
 * <p>Each broker works in {@code target/brokers/<name>/} (data, logs, generated configuration). Its {@code pid}
 * file lists the PIDs of the processes started for it, one per line, while it runs; after a JVM crash a script can
 * kill those, and the next start of the same broker kills them itself (only processes whose environment carries
 * {@code INTERCHANGE_BROKER_DIR=<that directory>}). The Kafka JVM also exits by itself when its parent JVM dies.
 *
 * <p>A broker that cannot start throws {@link io.interchange.brokers.BrokerUnavailableException} saying why and how
 * to fix it; tests fail rather than skip.
 */
package io.interchange.brokers;

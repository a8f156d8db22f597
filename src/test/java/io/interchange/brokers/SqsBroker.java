package io.interchange.brokers;

import java.net.URI;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.elasticmq.NodeAddress;
import org.elasticmq.actor.QueueManagerActor;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.elasticmq.util.NowProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.typesafe.config.ConfigFactory;

import scala.Option;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * ElasticMQ, an SQS-compatible server, in this JVM on 127.0.0.1. Queues live in memory for the life of this
 * object: {@link #stop()} closes only the REST endpoint (clients are refused, as in an SQS outage) and
 * {@link #start()} opens it again on the same port with every queue, message, receipt handle and visibility
 * timeout as they were. Real SQS does not lose messages in an outage, so neither does this one.
 */
public final class SqsBroker implements Broker {

    private static final Logger LOG = LoggerFactory.getLogger(SqsBroker.class);
    private static final String REGION = "us-east-1";
    private static final String ACCOUNT_ID = "000000000000";

    // Fixed for the life of this object (rather than withDynamicPort) so queue URLs name the real port and a
    // restart comes back where clients expect it.
    private final int port = LoopbackPorts.free();
    private volatile SQSRestServer server;
    /** Queues and messages live here, outside the REST server, so they outlast a stop(). Daemon threads. */
    private ActorSystem actors;
    private ActorRef queueManager;

    @Override
    public String name() {
        return "sqs";
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public String region() {
        return REGION;
    }

    /** ElasticMQ accepts any credentials; the SDK insists on having some. */
    public String accessKeyId() {
        return "interchange";
    }

    public String secretAccessKey() {
        return "interchange";
    }

    /** A new client for this endpoint; the caller closes it. */
    public SqsClient sqsClient() {
        return SqsClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(accessKeyId(), secretAccessKey())))
                .build();
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            return;
        }
        long begin = System.nanoTime();
        try {
            if (actors == null) {
                actors = ActorSystem.create("elasticmq",
                        ConfigFactory.parseString("pekko.daemonic = on").withFallback(ConfigFactory.load()));
                queueManager = actors.actorOf(Props.create(QueueManagerActor.class, new NowProvider(),
                        SQSRestServerBuilder.sqsLimits(), Option.empty()));
            }
            // With our own actor system and queue manager, stopping the server unbinds its port and nothing else.
            SQSRestServer started = SQSRestServerBuilder
                    .withActorSystem(actors)
                    .withQueueManagerActor(queueManager)
                    .withInterface("127.0.0.1")
                    .withPort(port)
                    .withServerAddress(new NodeAddress("http", "127.0.0.1", port, ""))
                    .withAWSRegion(REGION)
                    .withAWSAccountId(ACCOUNT_ID)
                    .start();
            started.waitUntilStarted();
            server = started;
            LOG.info("ElasticMQ (SQS) started at {} in {} ms", endpoint(), Deadline.millisSince(begin));
        } catch (RuntimeException e) {
            throw new BrokerUnavailableException("SQS (ElasticMQ on " + endpoint() + ")", e.toString(),
                    "ElasticMQ runs in-process from org.elasticmq:elasticmq-rest-sqs_2.13 on the test classpath; "
                            + "check that port " + port + " is free", e);
        }
    }

    /**
     * Closes the endpoint: new connections are refused, requests in progress (a long poll) may finish, open
     * connections are closed. The queues stay, for {@link #start()}.
     */
    @Override
    public synchronized void stop() {
        if (server != null) {
            server.stopAndWait();
            server = null;
            LOG.info("ElasticMQ (SQS) endpoint {} closed; its queues are kept", endpoint());
        }
    }
}

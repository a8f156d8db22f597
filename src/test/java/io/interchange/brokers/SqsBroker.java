package io.interchange.brokers;

import java.net.URI;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * ElasticMQ, an SQS-compatible server, in this JVM on 127.0.0.1. Queues live in memory: a stop() loses them, a
 * start() brings the endpoint back on the same port.
 */
public final class SqsBroker implements Broker {

    private static final Logger LOG = LoggerFactory.getLogger(SqsBroker.class);
    private static final String REGION = "us-east-1";
    private static final String ACCOUNT_ID = "000000000000";

    // Fixed for the life of this object (rather than withDynamicPort) so queue URLs name the real port and a
    // restart comes back where clients expect it.
    private final int port = LoopbackPorts.free();
    private volatile SQSRestServer server;

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
            SQSRestServer started = SQSRestServerBuilder
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

    @Override
    public synchronized void stop() {
        if (server != null) {
            server.stopAndWait();
            server = null;
        }
    }
}

package io.interchange.bridge.sqs;

import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import io.interchange.bridge.SourceSupervision;

import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * {@code interchange-sqs:queueName}: an at-least-once SQS source (a message is deleted only after
 * its exchange completed; a failed one becomes visible again after a growing backoff) and an
 * asynchronous SQS sink (an exchange completes when SQS accepted the message). FIFO queues
 * ({@code .fifo}) keep the order of each message group on both sides. The client is made on first
 * use, so a gateway without SQS routes needs no SQS settings.
 */
public class SqsComponent extends DefaultComponent {

    private final Supplier<SqsAsyncClient> clientFactory;
    private SqsAsyncClient client;
    /** Wire headers every consumer of this component admits beyond its binding (interchange.ingress.headers). */
    private String ingressHeaders;

    public SqsComponent(Supplier<SqsAsyncClient> clientFactory) {
        this.clientFactory = clientFactory;
    }

    public void setIngressHeaders(String ingressHeaders) {
        this.ingressHeaders = ingressHeaders;
    }

    private SourceSupervision supervision = SourceSupervision.DEFAULT;

    public void setSupervision(SourceSupervision supervision) {
        this.supervision = supervision;
    }

    public SourceSupervision supervision() {
        return supervision;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("interchange-sqs needs a queue name or URL: interchange-sqs:my-queue");
        }
        SqsEndpoint endpoint = new SqsEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.checkIngress(ingressHeaders);
        return endpoint;
    }

    synchronized SqsAsyncClient client() {
        if (client == null) {
            client = clientFactory.get();
        }
        return client;
    }

    @Override
    protected synchronized void doStop() throws Exception {
        if (client != null) {
            client.close();
            client = null;
        }
        super.doStop();
    }
}

package io.interchange.bridge.sqs;

import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.HealthCheckComponent;

import io.interchange.bridge.SourceSupervision;

import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * {@code interchange-sqs:queueName}: an at-least-once SQS source (a message is deleted only after
 * its exchange completed; a failed one becomes visible again after a growing backoff) and an
 * asynchronous SQS sink (an exchange completes when SQS accepted the message). FIFO queues
 * ({@code .fifo}) keep the order of each message group on both sides. The client is made on first
 * use, so a gateway without SQS routes needs no SQS settings.
 */
@Component("interchange-sqs")
public class SqsComponent extends HealthCheckComponent {

    private final Supplier<SqsAsyncClient> clientFactory;
    private SqsAsyncClient client;
    @Metadata(label = "consumer", description = "Wire headers every consumer of this component admits beyond its binding,"
            + " as the endpoint option ingressHeaders; set from interchange.ingress.headers")
    private String ingressHeaders;

    public SqsComponent(Supplier<SqsAsyncClient> clientFactory) {
        this.clientFactory = clientFactory;
    }

    public String getIngressHeaders() {
        return ingressHeaders;
    }

    public void setIngressHeaders(String ingressHeaders) {
        this.ingressHeaders = ingressHeaders;
    }

    @Metadata(label = "consumer,advanced", description = "How the consumers judge their health and restart: stuck-after,"
            + " hung-after and restart backoff; set from the interchange.bridge settings")
    private SourceSupervision supervision = SourceSupervision.DEFAULT;

    public void setSupervision(SourceSupervision supervision) {
        this.supervision = supervision;
    }

    public SourceSupervision getSupervision() {
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

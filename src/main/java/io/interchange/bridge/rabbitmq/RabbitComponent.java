package io.interchange.bridge.rabbitmq;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.HealthCheckComponent;

import com.rabbitmq.client.ConnectionFactory;

import io.interchange.bridge.SourceSupervision;
import io.interchange.security.HeaderAllowList;

/**
 * {@code interchange-rabbitmq:exchange?routingKey=...} as a sink publishes with pipelined publisher
 * confirms: an exchange completes when the broker confirmed it (or failed it), so a source can
 * acknowledge only what RabbitMQ holds, while many publishes are in flight at once.
 * {@code interchange-rabbitmq:queue} as a source acknowledges each delivery only when its route
 * completed, and requeues it after a backoff when the route failed.
 */
@Component("interchange-rabbitmq")
public class RabbitComponent extends HealthCheckComponent {

    private final ConnectionFactory connectionFactory;
    private final HeaderAllowList allowedHeaders;

    public RabbitComponent(ConnectionFactory connectionFactory, HeaderAllowList allowedHeaders) {
        this.connectionFactory = connectionFactory;
        this.allowedHeaders = allowedHeaders;
    }

    @Metadata(label = "consumer", description = "Wire headers every consumer of this component admits beyond its binding,"
            + " as the endpoint option ingressHeaders; set from interchange.ingress.headers")
    private String ingressHeaders;

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

    HeaderAllowList allowedHeaders() {
        return allowedHeaders;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        RabbitEndpoint endpoint = new RabbitEndpoint(uri, this, remaining, connectionFactory);
        setProperties(endpoint, parameters);
        endpoint.checkIngress(ingressHeaders);
        return endpoint;
    }
}

package io.interchange.bridge.kafka;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.HealthCheckComponent;

import io.interchange.bridge.SourceSupervision;

/**
 * {@code interchange-kafka:topic[,topic...]?groupId=...}: reads Kafka at least once with many records
 * in flight. Offsets are committed up to the last record whose route completed, per partition, so a
 * crash re-reads only what was not confirmed by the sink. Connection settings (brokers, TLS, SASL)
 * are those of the camel-kafka component, configured under {@code camel.component.kafka.*}.
 */
@Component("interchange-kafka")
public class KafkaSourceComponent extends HealthCheckComponent {

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

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        KafkaSourceEndpoint endpoint = new KafkaSourceEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        if (endpoint.getGroupId() == null || endpoint.getGroupId().isBlank()) {
            throw new IllegalArgumentException("interchange-kafka:" + remaining + " needs a groupId");
        }
        endpoint.checkIngress(ingressHeaders);
        return endpoint;
    }
}

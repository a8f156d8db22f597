package io.interchange.bridge.kafka;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import io.interchange.bridge.SourceSupervision;

/**
 * {@code interchange-kafka:topic[,topic...]?groupId=...}: reads Kafka at least once with many records
 * in flight. Offsets are committed up to the last record whose route completed, per partition, so a
 * crash re-reads only what was not confirmed by the sink. Connection settings (brokers, TLS, SASL)
 * are those of the camel-kafka component, configured under {@code camel.component.kafka.*}.
 */
public class KafkaSourceComponent extends DefaultComponent {

    /** Wire headers every consumer of this component admits beyond its binding (interchange.ingress.headers). */
    private String ingressHeaders;

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
        KafkaSourceEndpoint endpoint = new KafkaSourceEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        if (endpoint.getGroupId() == null || endpoint.getGroupId().isBlank()) {
            throw new IllegalArgumentException("interchange-kafka:" + remaining + " needs a groupId");
        }
        endpoint.checkIngress(ingressHeaders);
        return endpoint;
    }
}

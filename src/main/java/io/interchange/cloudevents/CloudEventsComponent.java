package io.interchange.cloudevents;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/**
 * {@code interchange-cloudevents:wrap|read|write}: route steps that turn a payload into a CloudEvent,
 * recognise an incoming event (binary or structured) and write one in a broker's binding. Between
 * them the event is the neutral headers {@code ce-<attribute>} and the data as body; see
 * docs/cloudevents.md.
 */
@Component("interchange-cloudevents")
public class CloudEventsComponent extends DefaultComponent {

    private final CloudEventCodec codec;

    public CloudEventsComponent(CloudEventLimits limits) {
        this.codec = new CloudEventCodec(limits);
    }

    public CloudEventCodec codec() {
        return codec;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        CloudEventsEndpoint.Operation operation = CloudEventsEndpoint.Operation.named(remaining);
        CloudEventsEndpoint endpoint = new CloudEventsEndpoint(uri, this, operation);
        setProperties(endpoint, parameters);
        endpoint.check();
        return endpoint;
    }
}

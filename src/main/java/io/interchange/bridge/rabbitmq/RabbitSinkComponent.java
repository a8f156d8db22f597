package io.interchange.bridge.rabbitmq;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import com.rabbitmq.client.ConnectionFactory;

/**
 * {@code interchange-rabbitmq:exchange?routingKey=...}: publishes to RabbitMQ with pipelined
 * publisher confirms. An exchange completes when the broker confirmed it (or failed it), so a
 * source can acknowledge only what RabbitMQ holds, while many publishes are in flight at once.
 */
public class RabbitSinkComponent extends DefaultComponent {

    private final ConnectionFactory connectionFactory;

    public RabbitSinkComponent(ConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        RabbitSinkEndpoint endpoint = new RabbitSinkEndpoint(uri, this, remaining, connectionFactory);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}

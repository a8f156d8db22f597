package io.interchange.bridge.rabbitmq;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

import com.rabbitmq.client.ConnectionFactory;

@UriEndpoint(firstVersion = "0.1.0", scheme = "interchange-rabbitmq", title = "RabbitMQ sink (pipelined confirms)",
        syntax = "interchange-rabbitmq:exchange", producerOnly = true, category = {Category.MESSAGING})
public class RabbitSinkEndpoint extends DefaultEndpoint {

    private final ConnectionFactory connectionFactory;

    @UriPath(description = "Exchange to publish to; empty for the default exchange")
    private final String exchangeName;

    @UriParam(description = "Routing key; the header InterchangeRoutingKey overrides it per message")
    private String routingKey = "";

    @UriParam(defaultValue = "true", description = "Publish with the mandatory flag: a message no queue takes fails")
    private boolean mandatory = true;

    @UriParam(defaultValue = "true", description = "Persistent delivery mode (survives a broker restart on durable queues)")
    private boolean persistent = true;

    @UriParam(defaultValue = "30000", description = "How long to wait for a confirm before failing the message")
    private long confirmTimeoutMillis = 30_000;

    @UriParam(defaultValue = "0", description = "Largest body accepted, in bytes; 0 for no limit. A larger one fails"
            + " with MessageTooLargeException, which error handling can send to a dead-letter destination")
    private int maxBodyBytes;

    public RabbitSinkEndpoint(String uri, RabbitSinkComponent component, String exchangeName,
            ConnectionFactory connectionFactory) {
        super(uri, component);
        this.exchangeName = exchangeName;
        this.connectionFactory = connectionFactory;
    }

    @Override
    public Producer createProducer() {
        return new RabbitSinkProducer(this, connectionFactory);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("interchange-rabbitmq is a sink; consume with a RabbitMQ source");
    }

    public String getExchangeName() {
        return exchangeName;
    }

    public String getRoutingKey() {
        return routingKey;
    }

    public void setRoutingKey(String routingKey) {
        this.routingKey = routingKey;
    }

    public boolean isMandatory() {
        return mandatory;
    }

    public void setMandatory(boolean mandatory) {
        this.mandatory = mandatory;
    }

    public boolean isPersistent() {
        return persistent;
    }

    public void setPersistent(boolean persistent) {
        this.persistent = persistent;
    }

    public long getConfirmTimeoutMillis() {
        return confirmTimeoutMillis;
    }

    public void setConfirmTimeoutMillis(long confirmTimeoutMillis) {
        this.confirmTimeoutMillis = confirmTimeoutMillis;
    }

    public int getMaxBodyBytes() {
        return maxBodyBytes;
    }

    public void setMaxBodyBytes(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }
}

package io.interchange.idempotency;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;

import io.interchange.bridge.UndeliverableException;
import io.interchange.cloudevents.CloudEventAttributes;

/**
 * Drops a delivery whose key was processed (the route stops there and the source is acknowledged),
 * holds one whose event this gateway is processing until that outcome is known, fails one whose key
 * another replica holds (the source delivers it again later), and lets the others through with their
 * key reserved. The key is {@code <scope> <source> <id>}: a CloudEvent
 * source (a URI-reference) has no space, so no two (source, id) pairs make the same key.
 */
public class IdempotentProducer extends DefaultAsyncProducer {

    private static final String SOURCE_HEADER = CloudEventAttributes.HEADER_PREFIX + CloudEventAttributes.SOURCE;
    private static final String ID_HEADER = CloudEventAttributes.HEADER_PREFIX + CloudEventAttributes.ID;

    private final IdempotentEndpoint endpoint;

    public IdempotentProducer(IdempotentEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        String key = key(exchange.getMessage());
        if (key != null && key.indexOf('\u0000') >= 0) {
            // PostgreSQL cannot store it, and one such key would fail every batch it lands in
            exchange.setException(new UndeliverableException("Idempotency key contains a NUL character: " + key
                    .replace('\u0000', '?')));
            callback.done(true);
            return true;
        }
        if (key == null) {
            exchange.setException(new UndeliverableException(endpoint.getKeyHeader() == null
                    ? "No idempotency key: the event has no ce-source or ce-id header (read it with"
                            + " interchange-cloudevents:read first)"
                    : "No idempotency key: header '" + endpoint.getKeyHeader() + "' is missing or empty"));
            callback.done(true);
            return true;
        }
        KeyBatcher batcher = endpoint.getComponent().batcher();
        if (batcher.dropIfConfirmed(key, exchange)) {
            callback.done(true);
            return true;
        }
        batcher.reserve(key, exchange, callback);
        return false;
    }

    String key(Message message) {
        if (endpoint.getKeyHeader() != null) {
            String value = message.getHeader(endpoint.getKeyHeader(), String.class);
            return value == null || value.isEmpty() ? null : endpoint.getScope() + " " + value;
        }
        String source = message.getHeader(SOURCE_HEADER, String.class);
        String id = message.getHeader(ID_HEADER, String.class);
        if (source == null || source.isEmpty() || id == null || id.isEmpty()) {
            return null;
        }
        return endpoint.getScope() + " " + source + " " + id;
    }
}

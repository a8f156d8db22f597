package io.interchange.idempotency;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * The idempotent consumer as a route step, keyed by the CloudEvent's source and id, on the shared store of
 * bean idempotencyStore, with the keys of many exchanges reserved in one store round trip.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "interchange-idempotent", title = "Interchange idempotent consumer (batched)",
        syntax = "interchange-idempotent:scope", producerOnly = true, category = {Category.CORE})
public class IdempotentEndpoint extends DefaultEndpoint {

    /** Exchange property set to true on a delivery dropped as a duplicate. */
    public static final String DUPLICATE_PROPERTY = "interchange-duplicate";

    @UriPath(description = "Names what the key is unique in, e.g. the route id: the same event passing two steps"
            + " with different scopes is processed by each. Letters, digits, '.', '_' and '-'")
    private final String scope;

    @UriParam(description = "Header holding the key; unset: the CloudEvent's source and id (headers ce-source and"
            + " ce-id, set by interchange-cloudevents:read)")
    private String keyHeader;

    public IdempotentEndpoint(String uri, IdempotentComponent component, String scope) {
        super(uri, component);
        this.scope = scope;
    }

    void check() {
        if (scope == null || !scope.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("interchange-idempotent:" + scope + ": the scope must be 1-100 letters,"
                    + " digits, '.', '_' or '-'");
        }
        if (keyHeader != null && keyHeader.isBlank()) {
            throw new IllegalArgumentException("interchange-idempotent:" + scope + ": keyHeader is blank");
        }
    }

    @Override
    public Producer createProducer() {
        return new IdempotentProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("interchange-idempotent is a route step (to), not a consumer");
    }

    @Override
    public IdempotentComponent getComponent() {
        return (IdempotentComponent) super.getComponent();
    }

    public String getScope() {
        return scope;
    }

    public String getKeyHeader() {
        return keyHeader;
    }

    public void setKeyHeader(String keyHeader) {
        this.keyHeader = keyHeader;
    }
}

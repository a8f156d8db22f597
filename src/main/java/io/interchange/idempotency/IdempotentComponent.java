package io.interchange.idempotency;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code interchange-idempotent:<scope>}: the idempotent consumer as a route step, on the shared store
 * of bean {@code idempotencyStore} (memory or jdbc), with the keys of many exchanges reserved in one
 * round trip ({@link KeyBatcher}). See docs/idempotency.md.
 */
@Component("interchange-idempotent")
public class IdempotentComponent extends DefaultComponent {

    private final MeterRegistry meters;
    private KeyBatcher batcher;

    public IdempotentComponent(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        IdempotentEndpoint endpoint = new IdempotentEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.check();
        batcher();
        return endpoint;
    }

    synchronized KeyBatcher batcher() {
        if (batcher == null) {
            IdempotentRepository repository = getCamelContext().getRegistry()
                    .lookupByNameAndType(IdempotencyConfiguration.BEAN, IdempotentRepository.class);
            if (!(repository instanceof SharedIdempotentRepository shared)) {
                throw new IllegalArgumentException("interchange-idempotent needs interchange.idempotency.store memory"
                        + " or jdbc (bean " + IdempotencyConfiguration.BEAN + " is "
                        + (repository == null ? "missing" : repository.getClass().getSimpleName())
                        + "); with the kafka store use the idempotentConsumer EIP");
            }
            batcher = new KeyBatcher(shared, meters);
        }
        return batcher;
    }

    @Override
    protected void doStop() throws Exception {
        KeyBatcher stopping;
        synchronized (this) {
            stopping = batcher;
            batcher = null;
        }
        if (stopping != null) {
            stopping.stop();
        }
        super.doStop();
    }
}

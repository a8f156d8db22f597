package io.interchange.saga;

import java.util.List;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/** {@code GET /actuator/sagas} on the management port: in-flight and recent sagas, read-only. */
@Component
@Endpoint(id = "sagas")
public class SagaEndpoint {

    private final SagaLedger ledger;

    public SagaEndpoint(SagaLedger ledger) {
        this.ledger = ledger;
    }

    @ReadOperation
    public Map<String, List<Map<String, Object>>> sagas() {
        return Map.of("sagas", ledger.list());
    }
}

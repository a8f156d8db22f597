package io.interchange.saga;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.lang.Nullable;
import org.springframework.stereotype.Component;

/**
 * {@code GET /actuator/sagas} on the management port, read-only: sagas newest first, filtered by {@code status},
 * {@code orderId} and start time ({@code from}, inclusive, and {@code to}, exclusive, ISO-8601 instants), at most
 * {@code limit} (100, up to 1,000); and {@code GET /actuator/sagas/{id}}: one saga by the last segment of its LRA id
 * (the coordinator's uid), with every step, callback and timing. With {@code interchange.saga.store=jdbc} both read
 * the shared store, so any replica shows every saga.
 */
@Component
@Endpoint(id = "sagas")
public class SagaEndpoint {

    static final int DEFAULT_LIMIT = 100;

    private final SagaLedger ledger;

    public SagaEndpoint(SagaLedger ledger) {
        this.ledger = ledger;
    }

    @ReadOperation
    public Map<String, List<Map<String, Object>>> sagas(@Nullable String status, @Nullable String orderId,
            @Nullable String from, @Nullable String to, @Nullable Integer limit) {
        SagaLedger.Status wanted = null;
        if (status != null) {
            try {
                wanted = SagaLedger.Status.valueOf(status.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidEndpointRequestException("status must be one of active, completed, compensating,"
                        + " compensated, failed", "bad status");
            }
        }
        int max = limit == null ? DEFAULT_LIMIT : limit;
        if (max < 1 || max > SagaLedger.Query.MAX_LIMIT) {
            throw new InvalidEndpointRequestException("limit must be 1 to " + SagaLedger.Query.MAX_LIMIT, "bad limit");
        }
        return Map.of("sagas", ledger.list(new SagaLedger.Query(wanted, orderId, instant("from", from),
                instant("to", to), max)));
    }

    @ReadOperation
    public Map<String, Object> saga(@Selector String id) {
        return ledger.get(id);
    }

    private static Instant instant(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidEndpointRequestException(name + " must be an ISO-8601 instant such as"
                    + " 2026-12-01T10:00:00Z", "bad " + name);
        }
    }
}

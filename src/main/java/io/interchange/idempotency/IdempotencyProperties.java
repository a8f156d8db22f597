package io.interchange.idempotency;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the shared idempotent repository (bean {@code idempotencyStore}) that routes use with
 * Camel's {@code idempotentConsumer}.
 *
 * @param store           where keys live: {@code memory} (one process, dev mode), {@code jdbc} (PostgreSQL through
 *                        {@code spring.datasource.*}, shared by every replica) or {@code kafka} (Camel's
 *                        KafkaIdempotentRepository on a compacted topic, eventually consistent)
 * @param namespace       separates the keys of gateways that share one table or topic
 * @param retention       how long a processed key is remembered; a duplicate arriving later is processed again
 * @param lease           how long a key reserved by an exchange still in progress blocks its duplicates; after
 *                        that a duplicate takes the key over (the reserving gateway is presumed dead)
 * @param cacheSize       confirmed keys remembered in memory in front of the store (0: no cache)
 * @param cleanupInterval how often keys older than the retention are deleted from the store
 * @param batchLinger     how long {@code interchange-idempotent} waits for more keys before it reserves a batch
 * @param kafka           settings of the {@code kafka} store
 */
@Validated
@ConfigurationProperties("interchange.idempotency")
public record IdempotencyProperties(
        @DefaultValue("memory") @NotNull Store store,
        @DefaultValue("interchange") @NotBlank @Pattern(regexp = "[A-Za-z0-9._-]{1,200}") String namespace,
        @DefaultValue("7d") @NotNull Duration retention,
        @DefaultValue("2m") @NotNull Duration lease,
        @DefaultValue("10000") @Min(0) int cacheSize,
        @DefaultValue("1h") @NotNull Duration cleanupInterval,
        @DefaultValue("1ms") @NotNull Duration batchLinger,
        @DefaultValue @Valid Kafka kafka) {

    public enum Store {
        MEMORY, JDBC, KAFKA
    }

    /** @param topic compacted topic of the kafka store; the namespace is its consumer group prefix */
    public record Kafka(@DefaultValue("interchange.idempotency") @NotBlank String topic) {
    }

    public IdempotencyProperties {
        if (retention != null && (retention.isNegative() || retention.isZero())) {
            throw new IllegalArgumentException("interchange.idempotency.retention must be positive, was " + retention);
        }
        if (lease != null && (lease.isNegative() || lease.isZero())) {
            throw new IllegalArgumentException("interchange.idempotency.lease must be positive, was " + lease);
        }
        if (batchLinger != null && (batchLinger.isNegative() || batchLinger.compareTo(Duration.ofSeconds(1)) > 0)) {
            throw new IllegalArgumentException("interchange.idempotency.batch-linger must be 0 to 1s, was " + batchLinger);
        }
        if (cleanupInterval != null && (cleanupInterval.isNegative() || cleanupInterval.isZero())) {
            throw new IllegalArgumentException("interchange.idempotency.cleanup-interval must be positive, was "
                    + cleanupInterval);
        }
    }
}

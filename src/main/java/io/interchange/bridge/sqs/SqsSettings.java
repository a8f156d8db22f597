package io.interchange.bridge.sqs;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Where the {@code interchange-sqs} component finds SQS: {@code interchange.sqs.region} and
 * {@code interchange.sqs.endpoint} (from {@code INTERCHANGE_SQS_REGION} / {@code INTERCHANGE_SQS_ENDPOINT}).
 * Credentials are not settings of this record: the AWS default provider chain (IRSA, Pod Identity,
 * {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, profile, instance role) unless both
 * {@code camel.component.aws2-sqs.access-key} and {@code secret-key} are set.
 */
@Validated
@ConfigurationProperties("interchange.sqs")
public record SqsSettings(
        String region,
        @Pattern(regexp = "^$|^https?://.+", message = "must be an http(s) URL such as http://127.0.0.1:9324")
        String endpoint,
        @Min(1) @Max(10_000) Integer maxConnections) {

    public SqsSettings {
        region = region == null ? "" : region.strip();
        endpoint = endpoint == null ? "" : endpoint.strip();
        maxConnections = maxConnections == null ? 64 : maxConnections;
    }
}

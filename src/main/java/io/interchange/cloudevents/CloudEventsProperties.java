package io.interchange.cloudevents;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** {@code interchange.cloudevents.*}: the bounds every event is checked against. */
@Validated
@ConfigurationProperties("interchange.cloudevents")
public record CloudEventsProperties(
        @DefaultValue("32") @Min(4) @Max(1000) int maxAttributes,
        @DefaultValue("2048") @Min(64) int maxAttributeLength,
        @DefaultValue("16384") @Min(256) int maxAttributesLength,
        @DefaultValue("4194304") @Min(1024) long maxJsonDocumentBytes,
        @DefaultValue("64") @Min(2) @Max(1000) int maxJsonDepth,
        @DefaultValue("4194304") @Min(1024) int maxJsonStringLength) {

    public CloudEventLimits limits() {
        return new CloudEventLimits(maxAttributes, maxAttributeLength, maxAttributesLength, maxJsonDocumentBytes,
                maxJsonDepth, maxJsonStringLength);
    }
}

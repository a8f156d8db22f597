package io.interchange.saga;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The saga's entry point, {@code POST /orders}.
 *
 * @param maxBodyBytes largest order body accepted, in bytes; a larger one (declared by Content-Length or found while
 *                     reading a chunked body) is answered 413 before anything is parsed or started. The order travels
 *                     to the participants as request data, and SQS takes at most 256 KiB per message.
 */
@Validated
@ConfigurationProperties("interchange.orders")
public record OrdersProperties(@DefaultValue("65536") @Min(1) @Max(262144) int maxBodyBytes) {
}

package io.interchange.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param headers wire headers every consumer admits beyond its broker's CloudEvents binding and trace
 *                context ({@link IngressHeaders}): comma-separated, case-insensitive, {@code *} at the end
 *                for a prefix; a header that steers a component cannot be named (startup fails)
 */
@ConfigurationProperties("interchange.ingress")
public record IngressProperties(@DefaultValue("") String headers) {

    public IngressProperties {
        try {
            IngressHeaders.of("", headers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("interchange.ingress.headers: " + e.getMessage(), e);
        }
    }
}

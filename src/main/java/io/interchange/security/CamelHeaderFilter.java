package io.interchange.security;

import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Keeps {@code Camel*} headers from crossing a broker boundary in either direction, in any letter
 * case. A message from outside that carries {@code CamelExecCommandExecutable} or
 * {@code cAmElFileName} must never steer a component (CVE-2025-27636 is this class of bug); the
 * stock filters match the prefix case-sensitively, and those of spring-rabbitmq and aws2-sqs drop
 * no inbound {@code Camel*} header at all. Anything this filter lets through is still judged by
 * the component's own strategy.
 */
public final class CamelHeaderFilter implements HeaderFilterStrategy {

    private static final String[] INTERNAL_PREFIXES = {"camel", "org.apache.camel."};

    private final HeaderFilterStrategy componentStrategy;

    public CamelHeaderFilter(HeaderFilterStrategy componentStrategy) {
        this.componentStrategy = componentStrategy;
    }

    /** True for a header name that belongs to Camel, whatever its case. */
    public static boolean isInternal(String name) {
        if (name == null) {
            return true;
        }
        String lower = name.strip().toLowerCase(Locale.ROOT);
        for (String prefix : INTERNAL_PREFIXES) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        return isInternal(name)
                || componentStrategy != null && componentStrategy.applyFilterToCamelHeaders(name, value, exchange);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        return isInternal(name)
                || componentStrategy != null && componentStrategy.applyFilterToExternalHeaders(name, value, exchange);
    }
}

package io.interchange.security;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * A stock component's header filter made an allow-list in both directions: inbound only what
 * {@link IngressHeaders} admits enters a route (so a consumer of camel-kafka, spring-rabbitmq or
 * aws2-sqs obeys the same contract as the gateway's own sources), outbound only what the
 * {@link HeaderAllowList} names leaves for a broker. Whatever passes is still judged by the
 * component's own strategy.
 */
public final class AllowListHeaderFilter implements HeaderFilterStrategy {

    private final HeaderAllowList outbound;
    private final IngressHeaders inbound;
    private final HeaderFilterStrategy componentStrategy;

    /** @param outbound null to leave outgoing headers to the component's strategy */
    public AllowListHeaderFilter(HeaderAllowList outbound, IngressHeaders inbound, HeaderFilterStrategy componentStrategy) {
        this.outbound = outbound;
        this.inbound = inbound;
        this.componentStrategy = componentStrategy;
    }

    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        return outbound != null && !outbound.allows(name)
                || componentStrategy != null && componentStrategy.applyFilterToCamelHeaders(name, value, exchange);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        return !inbound.admits(name)
                || componentStrategy != null && componentStrategy.applyFilterToExternalHeaders(name, value, exchange);
    }
}

package io.interchange.bridge;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * A component's header filter that, on the way out to a broker, also drops every header the
 * {@link HeaderAllowList} does not name. Inbound it leaves the decision to the component's filter.
 */
public final class AllowListHeaderFilter implements HeaderFilterStrategy {

    private final HeaderAllowList allowList;
    private final HeaderFilterStrategy componentStrategy;

    public AllowListHeaderFilter(HeaderAllowList allowList, HeaderFilterStrategy componentStrategy) {
        this.allowList = allowList;
        this.componentStrategy = componentStrategy;
    }

    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        return !allowList.allows(name) || componentStrategy.applyFilterToCamelHeaders(name, value, exchange);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        return componentStrategy.applyFilterToExternalHeaders(name, value, exchange);
    }
}

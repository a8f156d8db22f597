package io.interchange.bridge;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.interchange.security.CamelHeaderFilter;

/**
 * Which message headers a bridge carries from its source to its sink: a comma-separated list of
 * names, each matched case-insensitively, where a trailing {@code *} matches any rest. Everything
 * else a source broker attached (broker bookkeeping, client libraries' headers) stays behind, and a
 * {@code Camel*} header never passes, whatever the list says.
 */
public final class HeaderAllowList {

    /** CloudEvents attributes in each broker's binding, content type and W3C trace context. */
    public static final String DEFAULT = "ce_*,ce-*,cloudEvents:*,cloudEvents_*,content-type,contentType,"
            + "traceparent,tracestate,interchange-*";

    private final List<String> exact;
    private final List<String> prefixes;

    private HeaderAllowList(List<String> exact, List<String> prefixes) {
        this.exact = exact;
        this.prefixes = prefixes;
    }

    public static HeaderAllowList parse(String spec) {
        List<String> names = Arrays.stream(spec == null ? new String[0] : spec.split(","))
                .map(s -> s.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
        return new HeaderAllowList(names.stream().filter(n -> !n.endsWith("*")).toList(),
                names.stream().filter(n -> n.endsWith("*")).map(n -> n.substring(0, n.length() - 1)).toList());
    }

    public boolean allows(String name) {
        if (CamelHeaderFilter.isInternal(name)) {
            return false;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return exact.contains(lower) || prefixes.stream().anyMatch(lower::startsWith);
    }
}

package io.interchange.security;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;


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

    /**
     * Decisions per header name: a bridge sees the same few names on every message, and lower-casing and
     * matching them each time was a visible share of the sink's CPU. Bounded, because header names come
     * from outside; past the bound names are judged without caching.
     */
    private static final int MAX_CACHED_NAMES = 1024;

    private final List<String> exact;
    private final List<String> prefixes;
    private final Map<String, Boolean> decisions = new ConcurrentHashMap<>();

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
        if (name == null) {
            return false;
        }
        Boolean cached = decisions.get(name);
        if (cached != null) {
            return cached;
        }
        boolean allowed = judge(name);
        if (decisions.size() < MAX_CACHED_NAMES) {
            decisions.put(name, allowed);
        }
        return allowed;
    }

    private boolean judge(String name) {
        if (CamelHeaderFilter.isInternal(name)) {
            return false;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (exact.contains(lower)) {
            return true;
        }
        for (String prefix : prefixes) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}

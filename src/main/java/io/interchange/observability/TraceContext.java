package io.interchange.observability;

import java.util.regex.Pattern;

import org.apache.camel.Exchange;

/**
 * The W3C trace context an exchange carries in its {@code traceparent} header: the one its source delivered,
 * or, with tracing on, that of the span the gateway made last for it. Failure log lines name its trace id, so
 * an operator goes from the line to the trace (and, without tracing, to the producer's trace).
 */
public final class TraceContext {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    /** A version (not ff), 32 hex trace id, 16 hex parent id, 2 hex flags; all-zero ids are invalid. */
    private static final Pattern VALID = Pattern.compile(
            "(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

    private TraceContext() {
    }

    /** Whether {@code traceparent} is one a W3C Trace Context reader accepts. */
    public static boolean isValid(String traceparent) {
        return traceparent != null && VALID.matcher(traceparent).matches();
    }

    /** The trace id of the exchange's trace context, or null. */
    public static String traceId(Exchange exchange) {
        Object header = exchange.getMessage().getHeader(TRACEPARENT);
        String traceparent = header == null ? null : header.toString();
        return isValid(traceparent) ? traceparent.substring(3, 35) : null;
    }

    /** {@code " (trace <id>)"} for a log line, or nothing when the exchange has no trace context. */
    public static String logSuffix(Exchange exchange) {
        String traceId = traceId(exchange);
        return traceId == null ? "" : " (trace " + traceId + ")";
    }
}

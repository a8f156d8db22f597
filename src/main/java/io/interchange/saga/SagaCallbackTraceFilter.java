package io.interchange.saga;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

import io.interchange.observability.TraceContext;

/**
 * Puts the coordinator's callbacks into the trace of their saga. The LRA coordinator calls {@code /lra-participant/*}
 * with the LRA id and no trace context, so the callback's spans (and the participants' compensations or completions
 * it sends) would each start a trace of their own. A callback without a {@code traceparent} gets the one the saga was
 * started with, from the saga ledger: with the jdbc store that is any replica's record, as the callback may reach a
 * replica other than the one that started the saga. A callback that brings a trace context of its own keeps it.
 *
 * <p>Only while tracing is on (it costs a ledger read per callback). A forged callback naming a real LRA id joins that
 * saga's trace too, where its spans show it refused.
 */
public class SagaCallbackTraceFilter extends OncePerRequestFilter {

    private static final Logger LOG = LoggerFactory.getLogger(SagaCallbackTraceFilter.class);

    private final SagaLedger ledger;

    public SagaCallbackTraceFilter(SagaLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(withSagaTrace(request), response);
    }

    private HttpServletRequest withSagaTrace(HttpServletRequest request) {
        String sagaId = request.getHeader(Exchange.SAGA_LONG_RUNNING_ACTION);
        if (sagaId == null || request.getHeader(TraceContext.TRACEPARENT) != null) {
            return request;
        }
        String traceparent;
        try {
            traceparent = ledger.traceparent(sagaId);
        } catch (RuntimeException e) {
            // The callback itself decides what an unreachable ledger means; its spans then start a trace of their own.
            LOG.debug("No trace context for the callback of saga {}: {}", SagaCallbackVerifier.printable(sagaId),
                    e.getMessage());
            return request;
        }
        return TraceContext.isValid(traceparent) ? new WithTraceparent(request, traceparent) : request;
    }

    /** The request with a {@code traceparent} header added. */
    private static final class WithTraceparent extends HttpServletRequestWrapper {

        private final String traceparent;

        WithTraceparent(HttpServletRequest request, String traceparent) {
            super(request);
            this.traceparent = traceparent;
        }

        @Override
        public String getHeader(String name) {
            return TraceContext.TRACEPARENT.equalsIgnoreCase(name) ? traceparent : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return TraceContext.TRACEPARENT.equalsIgnoreCase(name) ? Collections.enumeration(List.of(traceparent))
                    : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>(Collections.list(super.getHeaderNames()));
            names.add(TraceContext.TRACEPARENT);
            return Collections.enumeration(names);
        }
    }
}

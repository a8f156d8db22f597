package io.interchange.saga;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.camel.CamelContext;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Holds the coordinator's callbacks until Camel has started its routes. Tomcat accepts requests on the traffic port
 * seconds before the routes behind {@code /lra-participant} exist, and answers those 404; Narayana 1.1 takes any such
 * answer as "accepted, in progress", from then on only polls a status URL camel-lra does not register, and never calls
 * the participant again. So a compensation the coordinator retried while a restarted gateway was starting was never
 * made (OrderSagaCrashIT, the gateway killed mid-saga, failed whenever the restart took longer than the saga's time
 * limit). Held, the callback either runs once the routes are up or outlasts the coordinator's 2 s wait, which it takes
 * as unreachable and calls again. An order arriving that early gets 503 at once (it got 404).
 */
public class CallbacksBeforeStartFilter extends OncePerRequestFilter {

    private final CamelContext camelContext;
    private final String callbacks;

    /** @param callbacks path of the callbacks ({@code /lra-participant}); anything else (orders) gets 503 at once */
    public CallbacksBeforeStartFilter(CamelContext camelContext, String callbacks) {
        this.camelContext = camelContext;
        this.callbacks = callbacks;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!request.getRequestURI().startsWith(callbacks + "/") && !camelContext.isStarted()) {
            // An order before the routes are up: 503 at once (it was 404), so the client tries again.
            response.setStatus(503);
            response.setHeader("Retry-After", "1");
            return;
        }
        // Held until the routes are up: a callback answered within the coordinator's 2 s runs normally; a later one
        // has been given up by the coordinator meanwhile, which then calls again. An error answer instead would stop
        // Narayana 1.1 from ever calling again (SagaParticipants.answerForRetry).
        for (int waited = 0; !camelContext.isStarted() && waited < 300; waited++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!camelContext.isStarted()) {
            response.setStatus(503);
            response.setHeader("Retry-After", "1");
            response.setContentType("text/plain");
            response.getOutputStream().write("The gateway is starting; call again later".getBytes(StandardCharsets.UTF_8));
            return;
        }
        chain.doFilter(request, response);
    }
}

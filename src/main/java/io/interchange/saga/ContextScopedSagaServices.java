package io.interchange.saga;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.saga.InMemorySagaService;
import org.apache.camel.service.lra.LRAClient;
import org.apache.camel.service.lra.LRASagaService;
import org.apache.camel.service.lra.LRAUrlBuilder;

/**
 * Saga services that only the Camel context stops. In Camel 4.17 every saga EIP stops the context's one saga service
 * when its own route stops (CAMEL-24150, fixed upstream after 4.17): stopping or reloading any route that contains a
 * {@code saga} (an operator stopping a route, a user's saga route in routes/) shuts down camel-lra's client and
 * executor, and every other saga then fails (its join, close or cancel finds no client) until some saga route starts
 * again. These subclasses ignore stop and release their resources on shutdown, which the context does after its
 * routes when it stops. {@code SagaServicesTest} shows the stock services stopped by a route and these kept running.
 */
final class ContextScopedSagaServices {

    private ContextScopedSagaServices() {
    }

    /**
     * camel-lra's service, configured like camel-lra-starter's, stopped only with the context, and starting every LRA
     * with the saga time limit. camel-lra 4.17 sends the time limit only when a step joins the LRA: a gateway that dies
     * between starting an LRA and joining it leaves an LRA without a limit, which the coordinator keeps active for
     * ever (it has no participant to call, but it stays in the coordinator's store and list).
     */
    static final class Lra extends LRASagaService {
        private Duration timeLimit;

        /** The time limit every LRA starts with: the saga timeout, the same that each step joins with. */
        void setTimeLimit(Duration timeLimit) {
            this.timeLimit = timeLimit;
        }

        @Override
        protected LRAClient createLRAClient() {
            String start = new LRAUrlBuilder().host(getCoordinatorUrl()).path(getCoordinatorContextPath()).build()
                    + "/start";
            return new LRAClient(this) {
                @Override
                protected HttpRequest.Builder prepareRequest(URI uri, Exchange exchange) {
                    if (timeLimit != null && uri.toString().equals(start)) {
                        uri = URI.create(start + "?TimeLimit=" + timeLimit.toMillis());
                    }
                    return super.prepareRequest(uri, exchange);
                }
            };
        }

        @Override
        protected void doStop() {
            // A saga route stopping: the service is the context's, it keeps running.
        }

        @Override
        protected void doShutdown() throws Exception {
            super.doStop();
        }
    }

    /** Camel's in-memory service (tests only), stopped only with the context. */
    static final class InMemory extends InMemorySagaService {
        @Override
        protected void doStop() {
            // A saga route stopping: the service is the context's, it keeps running.
        }

        @Override
        protected void doShutdown() throws Exception {
            super.doStop();
        }
    }
}

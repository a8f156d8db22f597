package io.interchange.observability;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.model.errorhandler.DefaultErrorHandlerDefinition;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One log line per failure, with the route, the reason and the trace id. Camel's default error handler writes
 * each failed delivery as a message-history table with the exchange and a stack trace, some sixty lines that
 * bury the one an operator needs, and a broker outage fails every message in flight. The gateway's sources
 * log their failures themselves (with where the message came from and when it comes again) and the
 * dead-letter channel logs each dead letter; any other route's failure gets one line here.
 * {@code interchange.logging.failure-details=true} brings Camel's full report back (debugging a route).
 */
@Configuration(proxyBeanMethods = false)
public class FailureLogging {

    private static final Logger LOG = LoggerFactory.getLogger(FailureLogging.class);

    @Bean
    CamelContextConfiguration oneLineFailures(@Value("${interchange.logging.failure-details:false}") boolean details) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext context) {
                if (details) {
                    return;
                }
                DefaultErrorHandlerDefinition quiet = new DefaultErrorHandlerDefinition().logExhausted(false)
                        .logStackTrace(false).logExhaustedMessageHistory(false).logRetryAttempted(false);
                context.getCamelContextExtension().setErrorHandlerFactory(quiet);
                context.getManagementStrategy().addEventNotifier(new FailedExchanges());
            }

            @Override
            public void afterApplicationStart(CamelContext context) {
                // nothing to do once started
            }
        };
    }

    /** A line for a failed exchange whose source does not log its own failures. */
    static final class FailedExchanges extends EventNotifierSupport {

        FailedExchanges() {
            setIgnoreCamelContextEvents(true);
            setIgnoreCamelContextInitEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
            setIgnoreExchangeCreatedEvent(true);
            setIgnoreExchangeCompletedEvent(true);
            setIgnoreExchangeSendingEvents(true);
            setIgnoreExchangeSentEvents(true);
            setIgnoreExchangeRedeliveryEvents(true);
            setIgnoreExchangeAsyncProcessingStartedEvents(true);
        }

        @Override
        public boolean isEnabled(CamelEvent event) {
            return event instanceof CamelEvent.ExchangeFailedEvent;
        }

        @Override
        public void notify(CamelEvent event) {
            Exchange exchange = ((CamelEvent.ExchangeFailedEvent) event).getExchange();
            if (exchange.getFromEndpoint() != null && logsItsOwnFailures(exchange.getFromEndpoint().getEndpointUri())) {
                return;
            }
            Exception failure = exchange.getException();
            LOG.warn("Route '{}' failed: {}{}", exchange.getFromRouteId(),
                    failure == null ? "rolled back" : failure.getClass().getSimpleName() + ": " + failure.getMessage(),
                    TraceContext.logSuffix(exchange));
        }

        static boolean logsItsOwnFailures(String fromUri) {
            return fromUri.startsWith("interchange-kafka:") || fromUri.startsWith("interchange-rabbitmq:")
                    || fromUri.startsWith("interchange-sqs:");
        }
    }
}

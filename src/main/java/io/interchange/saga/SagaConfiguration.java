package io.interchange.saga;

import org.apache.camel.CamelContext;
import org.apache.camel.saga.InMemorySagaService;
import org.apache.camel.service.lra.LRASagaService;
import org.apache.camel.spi.CamelContextCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Beans the saga routes use; none exists while interchange.saga.enabled is false. The saga service is
 * camel-lra's, talking to an LRA coordinator ({@code interchange.saga.service=lra}, the default), or
 * Camel's in-memory one ({@code in-memory}) for route tests: it keeps nothing across a restart, so a
 * saga of a gateway that died is never compensated — never use it in a deployment.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "interchange.saga.enabled", havingValue = "true")
public class SagaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SagaConfiguration.class);

    private final boolean inMemory;

    public SagaConfiguration(Environment environment) {
        // Camel 4.17's circuit breaker EIP hands the saga's own exchange back to the pool with the pooled exchange
        // factory (CAMEL-24133, fixed upstream after 4.17): the steps' breakers would wipe the order and its id.
        if ("pooled".equalsIgnoreCase(environment.getProperty("camel.main.exchange-factory", "default"))) {
            throw new IllegalStateException("interchange.saga.enabled is true but camel.main.exchange-factory is pooled:"
                    + " the saga steps' circuit breakers corrupt pooled exchanges in Camel 4.17 (CAMEL-24133); use the"
                    + " default (prototype) exchange factory");
        }
        String service = environment.getProperty("interchange.saga.service", "lra");
        inMemory = "in-memory".equals(service);
        if (!inMemory && !"lra".equals(service)) {
            throw new IllegalStateException("interchange.saga.service must be lra or in-memory, was '" + service + "'");
        }
        if (inMemory) {
            if ("true".equals(environment.getProperty("camel.lra.enabled"))) {
                throw new IllegalStateException("interchange.saga.service=in-memory needs camel.lra.enabled=false");
            }
            LOG.warn("Sagas use Camel's in-memory saga service: nothing survives a restart (tests only)");
            return;
        }
        if (!StringUtils.hasText(environment.getProperty("camel.lra.coordinator-url"))) {
            throw new IllegalStateException("interchange.saga.enabled is true but INTERCHANGE_LRA_COORDINATOR_URL "
                    + "(camel.lra.coordinator-url) is not set: sagas need an LRA coordinator");
        }
        if (!"true".equals(environment.getProperty("camel.lra.enabled"))) {
            throw new IllegalStateException("interchange.saga.enabled is true but camel.lra.enabled is not: "
                    + "camel-lra creates its saga service only when camel.lra.enabled=true");
        }
    }

    @Bean
    SagaResponses sagaResponses(SagaLedger ledger) {
        return new SagaResponses(ledger);
    }

    @Bean
    SagaOrders sagaOrders() {
        return new SagaOrders();
    }

    /** On the coordinator's callbacks and orders: not 404 while the routes behind them have not started. */
    @Bean
    FilterRegistrationBean<CallbacksBeforeStartFilter> callbacksBeforeStart(CamelContext camelContext,
            Environment environment) {
        String callbacks = callbacks(environment);
        FilterRegistrationBean<CallbacksBeforeStartFilter> registration =
                new FilterRegistrationBean<>(new CallbacksBeforeStartFilter(camelContext, callbacks));
        registration.addUrlPatterns(callbacks + "/*", "/orders");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /** On the coordinator's callbacks, once they are let through: their trace context, from the saga ledger. */
    @Bean
    @ConditionalOnProperty(name = "interchange.tracing.enabled", havingValue = "true")
    FilterRegistrationBean<SagaCallbackTraceFilter> sagaCallbackTrace(SagaLedger ledger, Environment environment) {
        FilterRegistrationBean<SagaCallbackTraceFilter> registration =
                new FilterRegistrationBean<>(new SagaCallbackTraceFilter(ledger));
        registration.addUrlPatterns(callbacks(environment) + "/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }

    /** The path of camel-lra's callbacks, {@code /lra-participant} unless configured otherwise. */
    private static String callbacks(Environment environment) {
        return "/" + environment.getProperty("camel.lra.local-participant-context-path", "/lra-participant")
                .replaceAll("^/+|/+$", "");
    }

    /** Only on {@code /orders}, after authentication (an unauthenticated body is never read). */
    @Bean
    FilterRegistrationBean<OrderBodyLimitFilter> orderBodyLimit(OrdersProperties orders) {
        FilterRegistrationBean<OrderBodyLimitFilter> registration =
                new FilterRegistrationBean<>(new OrderBodyLimitFilter(orders.maxBodyBytes()));
        registration.addUrlPatterns("/orders");
        registration.setOrder(Ordered.LOWEST_PRECEDENCE - 100);
        return registration;
    }

    /**
     * camel-lra's saga service in place of camel-lra-starter's (which steps aside for a bean of this type), configured
     * from the same {@code camel.lra.*} settings, but stopped only with the context (CAMEL-24150,
     * {@link ContextScopedSagaServices}), and starting each LRA with the saga timeout as its time limit.
     */
    @Bean
    @ConditionalOnProperty(name = "camel.lra.enabled", havingValue = "true")
    LRASagaService lraSagaService(CamelContext camelContext, Environment environment, SagaProperties properties)
            throws Exception {
        ContextScopedSagaServices.Lra service = new ContextScopedSagaServices.Lra();
        service.setTimeLimit(properties.timeout());
        service.setCoordinatorUrl(environment.getProperty("camel.lra.coordinator-url"));
        service.setCoordinatorContextPath(environment.getProperty("camel.lra.coordinator-context-path",
                "/lra-coordinator"));
        service.setLocalParticipantUrl(environment.getProperty("camel.lra.local-participant-url"));
        service.setLocalParticipantContextPath(environment.getProperty("camel.lra.local-participant-context-path",
                "/lra-participant"));
        camelContext.addService(service);
        return service;
    }

    /** A hand-made saga service works only once the context also knows it as a service. */
    @Bean
    CamelContextCustomizer inMemorySagaService() {
        return camelContext -> {
            if (inMemory) {
                InMemorySagaService service = new ContextScopedSagaServices.InMemory();
                camelContext.getRegistry().bind("inMemorySagaService", service);
                try {
                    camelContext.addService(service);
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot add the in-memory saga service", e);
                }
            }
        };
    }
}

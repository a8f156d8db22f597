package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.engine.PooledExchangeFactory;
import org.apache.camel.impl.engine.PooledProcessorExchangeFactory;
import org.apache.camel.saga.InMemorySagaService;
import org.apache.camel.service.lra.LRASagaService;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * Saga and circuit breaker defects of Camel 4.17 fixed upstream after it (the registry here serves no later camel-lra,
 * so the gateway stays on 4.17): each test shows whether 4.17 has the defect and that the gateway's way around it
 * holds. CAMEL-24147 (callback URLs) and CAMEL-24145 (in-memory finalization) are checked where they would bite, in
 * OrderSagaIT and OrderSagaRouteTest.
 */
class UpstreamSagaIssuesTest {

    /**
     * CAMEL-24150: a saga EIP stops the context's saga service when its route stops (SagaProcessor.doStop), so stopping
     * any saga route leaves camel-lra without its client and every other saga fails. 4.17 has it; the gateway's saga
     * services ignore a route's stop and shut down with the context.
     */
    @Test
    void camel24150StoppingOneSagaRouteStopsTheSharedServiceInCamel417ButNotTheGatewaysOnes() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            LRASagaService stock = lra(new LRASagaService(), context);
            LRASagaService ours = lra(new ContextScopedSagaServices.Lra(), context);
            ServiceHelper.startService(stock, ours);

            // What SagaProcessor.doStop does when its route stops.
            ServiceHelper.stopService(stock);
            ServiceHelper.stopService(ours);

            assertThat(stock.getClient()).as("4.17: the stock service lost its client").isNull();
            assertThat(ours.getClient()).as("the gateway's service keeps its client").isNotNull();
            assertThat(ours.getExecutorService().isShutdown()).isFalse();
            // A saga route starting again, then the context shutting down: now it is released.
            ServiceHelper.startService(ours);
            assertThat(ours.getClient()).isNotNull();
            ServiceHelper.stopAndShutdownService(ours);
            assertThat(ours.getClient()).isNull();
        }
    }

    @Test
    void camel24150InMemoryServiceKeepsWorkingAfterASagaRouteStops() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            InMemorySagaService stock = new InMemorySagaService();
            InMemorySagaService ours = new ContextScopedSagaServices.InMemory();
            stock.setCamelContext(context);
            ours.setCamelContext(context);
            ServiceHelper.startService(stock, ours);
            ServiceHelper.stopService(stock);
            ServiceHelper.stopService(ours);

            // The executor runs the in-memory sagas' compensations, completions and time limits.
            assertThat(stock.getExecutorService()).as("4.17: the stock service's executor is gone").isNull();
            assertThat(ours.getExecutorService()).isNotNull();
            assertThat(ours.getExecutorService().isShutdown()).isFalse();
            assertThat(ours.newSaga(null).get(5, TimeUnit.SECONDS).getId()).isNotBlank();
            ServiceHelper.stopAndShutdownService(ours);
        }
    }

    private static LRASagaService lra(LRASagaService service, CamelContext context) {
        service.setCoordinatorUrl("http://127.0.0.1:9");
        service.setLocalParticipantUrl("http://127.0.0.1:9");
        service.setCamelContext(context);
        return service;
    }

    /**
     * CAMEL-24133: with the pooled exchange factory the circuit breaker EIP gives the exchange that is still on its way
     * back to the pool, which wipes its body and properties. 4.17 has it (the control route below loses its property
     * after the breaker); the saga steps run inside breakers, so the gateway refuses to start sagas with the pooled
     * factory.
     */
    @Test
    void camel24133PooledExchangesLoseTheirPropertiesAfterACircuitBreakerInCamel417() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.getCamelContextExtension().setExchangeFactory(new PooledExchangeFactory());
            context.getCamelContextExtension().setProcessorExchangeFactory(new PooledProcessorExchangeFactory());
            context.getRegistry().bind("breaker", CircuitBreaker.ofDefaults("control"));
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("timer:control?repeatCount=1&delay=0").routeId("control")
                            .setProperty("orderId", constant("o-24133"))
                            .circuitBreaker().resilience4jConfiguration().circuitBreaker("breaker").end()
                                .setBody(constant("inside"))
                            .end()
                            .to("mock:after");
                }
            });
            MockEndpoint after = context.getEndpoint("mock:after", MockEndpoint.class);
            after.expectedMessageCount(1);
            NotifyBuilder done = new NotifyBuilder(context).whenDone(1).create();
            context.start();
            assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
            after.assertIsSatisfied();
            Exchange seen = after.getReceivedExchanges().get(0);
            assertThat(seen.getProperty("orderId")).as("4.17: the property set before the breaker is gone").isNull();
        }
    }

    @Test
    void camel24133TheGatewayRefusesSagasWithThePooledExchangeFactory() {
        MockEnvironment environment = new MockEnvironment().withProperty("interchange.saga.enabled", "true")
                .withProperty("interchange.saga.service", "in-memory").withProperty("camel.lra.enabled", "false")
                .withProperty("camel.main.exchange-factory", "pooled");
        assertThatThrownBy(() -> new SagaConfiguration(environment)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("camel.main.exchange-factory").hasMessageContaining("CAMEL-24133");
        environment.setProperty("camel.main.exchange-factory", "prototype");
        assertThat(new SagaConfiguration(environment)).isNotNull();
    }
}

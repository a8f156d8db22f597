package io.interchange.tooling;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.FactoryFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.interchange.InterchangeApplication;

/**
 * Each interchange-* component is both a Spring bean, configured from the gateway's settings, and a Camel
 * component its factory finder can make (for tooling). Routes must get the Spring bean: Camel looks a scheme
 * up in its registry before the factory finder, and this holds it to that.
 */
class ComponentRegistrationTest {

    private static final List<String> SCHEMES = List.of("interchange-kafka", "interchange-rabbitmq", "interchange-sqs",
            "interchange-cloudevents", "interchange-idempotent");

    @TempDir
    Path noRoutes;

    @Test
    void routesGetTheSpringConfiguredComponentNotOneTheFactoryFinderMakes() throws Exception {
        DefaultCamelContext.setNoStart(true);
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(InterchangeApplication.class).run(
                "--interchange.routes-dir=" + noRoutes, "--spring.main.web-application-type=none",
                "--interchange.rabbitmq.topology.exchanges=", "--interchange.rabbitmq.topology.queues=",
                "--interchange.rabbitmq.topology.bindings=")) {
            CamelContext camel = app.getBean(CamelContext.class);
            FactoryFinder finder = camel.getCamelContextExtension().getFactoryFinder(FactoryFinder.DEFAULT_PATH + "component/");
            for (String scheme : SCHEMES) {
                Component bean = app.getBean(scheme, Component.class);
                assertThat(camel.getComponent(scheme)).as(scheme).isSameAs(bean);
                assertThat(finder.findClass(scheme)).as("class the factory finder knows for " + scheme)
                        .contains(bean.getClass());
            }
        } finally {
            DefaultCamelContext.setNoStart(false);
        }
    }
}

package io.interchange.saga;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import org.springframework.core.env.Environment;

/** Beans the saga routes use; none exists while interchange.saga.enabled is false. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "interchange.saga.enabled", havingValue = "true")
public class SagaConfiguration {

    public SagaConfiguration(Environment environment) {
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
}

package io.interchange.saga;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The saga ledger chosen by {@code interchange.saga.store}, and with {@code jdbc} the relay that hands replies to the
 * replica waiting for them. The jdbc store uses the idempotency store's DataSource when there is one (the same
 * database), else makes its own from {@code spring.datasource.*} (INTERCHANGE_DATASOURCE_*). While sagas are off the
 * ledger is an empty memory one, for the {@code sagas} endpoint.
 */
@Configuration(proxyBeanMethods = false)
public class SagaStoreConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SagaStoreConfiguration.class);
    private static final String JDBC = "'${interchange.saga.enabled:false}' == 'true'"
            + " and '${interchange.saga.store:memory}'.toLowerCase() == 'jdbc'";

    @Bean
    @ConditionalOnExpression("!(" + JDBC + ")")
    SagaLedger memorySagaLedger(SagaProperties properties, MeterRegistry meters) {
        if (properties.enabled()) {
            LOG.warn("The saga ledger is kept in memory (interchange.saga.store=memory): it is lost on restart and not"
                    + " shared with other replicas, so run one replica only. Deployments set INTERCHANGE_SAGA_STORE=jdbc.");
        }
        return new MemorySagaLedger(properties, meters);
    }

    @Bean
    @ConditionalOnExpression(JDBC)
    JdbcSagaLedger jdbcSagaLedger(SagaProperties properties, MeterRegistry meters, ObjectProvider<DataSource> dataSources,
            Environment environment) {
        DataSource shared = dataSources.getIfAvailable();
        if (shared != null) {
            return new JdbcSagaLedger(shared, null, properties, meters);
        }
        DataSourceProperties settings = Binder.get(environment).bind("spring.datasource", DataSourceProperties.class)
                .orElseGet(DataSourceProperties::new);
        if (!StringUtils.hasText(settings.getUrl())) {
            throw new IllegalStateException("interchange.saga.store=jdbc needs spring.datasource.url"
                    + " (INTERCHANGE_DATASOURCE_URL), e.g. jdbc:postgresql://host:5432/interchange");
        }
        HikariDataSource own = settings.initializeDataSourceBuilder().type(HikariDataSource.class).build();
        own.setPoolName("interchange-sagas");
        own.setConnectionTimeout(5000);
        own.setMaximumPoolSize(environment.getProperty("spring.datasource.hikari.maximum-pool-size", Integer.class, 10));
        return new JdbcSagaLedger(own, own, properties, meters);
    }

    @Bean
    @ConditionalOnExpression(JDBC)
    SagaReplyRelay sagaReplyRelay(JdbcSagaLedger ledger, MeterRegistry meters) {
        return new SagaReplyRelay(ledger.dataSource(), meters);
    }
}

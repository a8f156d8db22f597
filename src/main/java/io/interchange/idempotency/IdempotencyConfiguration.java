package io.interchange.idempotency;

import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import org.apache.camel.processor.idempotent.kafka.KafkaIdempotentRepository;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.MeterRegistry;

import io.interchange.security.KafkaClientSecurity;

/**
 * The bean {@code idempotencyStore} that routes name in {@code idempotentConsumer}, backed by the store
 * chosen with {@code interchange.idempotency.store}. Only the {@code jdbc} store creates a DataSource
 * (Spring Boot's own DataSource auto-configuration is off), so a gateway without a database starts.
 */
@Configuration(proxyBeanMethods = false)
public class IdempotencyConfiguration {

    public static final String BEAN = "idempotencyStore";

    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyConfiguration.class);

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "interchange.idempotency.store", havingValue = "memory", matchIfMissing = true)
    static class Memory {

        @Bean
        IdempotencyKeyStore idempotencyKeyStore() {
            LOG.warn("Idempotency keys are kept in memory (interchange.idempotency.store=memory): they are not shared"
                    + " with other replicas and are lost on restart. Deployments set store=jdbc.");
            return new MemoryIdempotencyKeyStore();
        }

        @Bean(BEAN)
        SharedIdempotentRepository idempotencyStore(IdempotencyKeyStore idempotencyKeyStore, IdempotencyProperties properties,
                MeterRegistry meters) {
            return new SharedIdempotentRepository(idempotencyKeyStore, properties, meters);
        }

        @Bean
        RetentionCleanup idempotencyRetentionCleanup(IdempotencyKeyStore idempotencyKeyStore, IdempotencyProperties properties,
                MeterRegistry meters) {
            return new RetentionCleanup(idempotencyKeyStore, properties, meters);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "interchange.idempotency.store", havingValue = "jdbc")
    static class Jdbc {

        @Bean
        @ConfigurationProperties("spring.datasource")
        DataSourceProperties idempotencyDataSourceProperties() {
            return new DataSourceProperties();
        }

        @Bean
        @ConfigurationProperties("spring.datasource.hikari")
        HikariDataSource idempotencyDataSource(DataSourceProperties properties) {
            if (!StringUtils.hasText(properties.getUrl())) {
                throw new IllegalStateException("interchange.idempotency.store=jdbc needs spring.datasource.url"
                        + " (INTERCHANGE_DATASOURCE_URL), e.g. jdbc:postgresql://host:5432/interchange");
            }
            return properties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
        }

        @Bean
        IdempotencyKeyStore idempotencyKeyStore(DataSource idempotencyDataSource, IdempotencyProperties properties) {
            JdbcIdempotencyKeyStore store = new JdbcIdempotencyKeyStore(idempotencyDataSource, properties.namespace());
            store.migrate();
            return store;
        }

        @Bean(BEAN)
        SharedIdempotentRepository idempotencyStore(IdempotencyKeyStore idempotencyKeyStore, IdempotencyProperties properties,
                MeterRegistry meters) {
            return new SharedIdempotentRepository(idempotencyKeyStore, properties, meters);
        }

        @Bean
        RetentionCleanup idempotencyRetentionCleanup(IdempotencyKeyStore idempotencyKeyStore, IdempotencyProperties properties,
                MeterRegistry meters) {
            return new RetentionCleanup(idempotencyKeyStore, properties, meters);
        }
    }

    /**
     * {@code interchange-idempotent}: the batched idempotent consumer step on the memory or jdbc store. Named after
     * the scheme so that Camel's registry lookup finds it (with the meter registry) before the factory finder.
     */
    @Bean("interchange-idempotent")
    IdempotentComponent interchangeIdempotent(MeterRegistry meters) {
        return new IdempotentComponent(meters);
    }

    @Bean(BEAN)
    @ConditionalOnProperty(name = "interchange.idempotency.store", havingValue = "kafka")
    IdempotentRepository kafkaIdempotencyStore(IdempotencyProperties properties,
            @Value("${camel.component.kafka.brokers:}") String brokers, KafkaClientSecurity kafka) {
        if (!StringUtils.hasText(brokers)) {
            throw new IllegalStateException("interchange.idempotency.store=kafka needs camel.component.kafka.brokers"
                    + " (INTERCHANGE_KAFKA_BROKERS)");
        }
        LOG.warn("Idempotency keys on Kafka topic {}: replicas learn each other's keys asynchronously, so concurrent"
                + " duplicates on two replicas can both be processed; use store=jdbc for exactly one.",
                properties.kafka().topic());
        // The brokers, TLS and SASL settings of the bridges; every replica reads all keys (a group of its own),
        // and a key is stored only once all in-sync replicas have it.
        Properties consumer = kafka.clientProperties();
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, properties.namespace() + "-" + UUID.randomUUID());
        Properties producer = kafka.clientProperties();
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaIdempotentRepository(properties.kafka().topic(), consumer, producer);
    }
}

package io.interchange.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * RabbitMQ TLS beyond Spring Boot's on/off: a private CA to trust ({@code truststore}) and the gateway's own
 * certificate for brokers that require one ({@code keystore}, mutual TLS). Paths to PKCS#12 (or JKS) files,
 * from INTERCHANGE_RABBITMQ_SSL_*; empty for none.
 */
@ConfigurationProperties("interchange.rabbitmq.tls")
public record RabbitTlsProperties(String truststore, String truststorePassword,
        @DefaultValue("PKCS12") String truststoreType, String keystore, String keystorePassword,
        @DefaultValue("PKCS12") String keystoreType) {

    boolean hasStores() {
        return has(truststore) || has(keystore);
    }

    static boolean has(String value) {
        return value != null && !value.isBlank();
    }
}

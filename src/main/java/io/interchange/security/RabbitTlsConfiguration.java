package io.interchange.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.springframework.boot.autoconfigure.amqp.ConnectionFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * TLS for RabbitMQ with the stores of {@link RabbitTlsProperties}, on the client factory every RabbitMQ
 * connection of the gateway comes from (the interchange-rabbitmq component's and spring-rabbitmq's). A store
 * that cannot be read fails startup with its variable named; the broker's host name is checked against its
 * certificate unless INTERCHANGE_RABBITMQ_SSL_VERIFY_HOSTNAME is false.
 */
@Configuration(proxyBeanMethods = false)
public class RabbitTlsConfiguration {

    @Bean
    ConnectionFactoryCustomizer rabbitTls(RabbitTlsProperties tls, Environment environment) {
        return factory -> {
            if (!tls.hasStores()) {
                return;
            }
            factory.useSslProtocol(sslContext(tls));
            if (environment.getProperty("spring.rabbitmq.ssl.verify-hostname", Boolean.class, true)) {
                factory.enableHostnameVerification();
            }
        };
    }

    static SSLContext sslContext(RabbitTlsProperties tls) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(RabbitTlsProperties.has(tls.truststore())
                    ? load(tls.truststore(), tls.truststorePassword(), tls.truststoreType(),
                            "INTERCHANGE_RABBITMQ_SSL_TRUSTSTORE_LOCATION")
                    : null);
            KeyManagerFactory keys = null;
            if (RabbitTlsProperties.has(tls.keystore())) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(load(tls.keystore(), tls.keystorePassword(), tls.keystoreType(),
                        "INTERCHANGE_RABBITMQ_SSL_KEYSTORE_LOCATION"), password(tls.keystorePassword()));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RabbitMQ TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String location, String password, String type, String variable) {
        Path path = Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password(password));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            // the password is never part of the message
            throw new IllegalStateException(variable + ": cannot read the " + type + " store " + path + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private static char[] password(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }
}

package io.interchange.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import org.apache.camel.component.kafka.KafkaConfiguration;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The Kafka connection settings as a platform team writes them, checked before any route starts: a
 * security protocol Kafka does not know, a SASL mechanism the gateway cannot do (AWS_MSK_IAM and
 * OAUTHBEARER need a callback handler library it does not ship; GSSAPI a Kerberos set-up), SASL without a JAAS
 * configuration, and a trust or key store that is not a readable file fail startup, naming the variable.
 * A TLS handshake failing at the first poll would say much less.
 *
 * <p>Kafka clients the gateway makes beside camel-kafka's (the kafka idempotency store) take the same
 * settings from {@link #clientProperties()}.
 */
@Component
public class KafkaClientSecurity implements InitializingBean {

    static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    static final List<String> MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    private final Environment environment;

    public KafkaClientSecurity(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void afterPropertiesSet() {
        if (!StringUtils.hasText(environment.getProperty("camel.component.kafka.brokers"))) {
            return; // no Kafka configured; routes that need it fail on their own
        }
        String protocol = environment.getProperty("camel.component.kafka.security-protocol", "PLAINTEXT")
                .strip().toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalStateException("INTERCHANGE_KAFKA_SECURITY_PROTOCOL is '" + protocol + "'; it is one of "
                    + PROTOCOLS);
        }
        if (protocol.startsWith("SASL_")) {
            String mechanism = environment.getProperty("camel.component.kafka.sasl-mechanism", "").strip();
            if (!MECHANISMS.contains(mechanism.toUpperCase(Locale.ROOT))) {
                throw new IllegalStateException("INTERCHANGE_KAFKA_SASL_MECHANISM is '" + mechanism + "'; with "
                        + protocol + " it is one of " + MECHANISMS + " (AWS_MSK_IAM, OAUTHBEARER and GSSAPI need"
                        + " libraries or a Kerberos set-up the gateway does not ship: use SCRAM, e.g. MSK's SASL/SCRAM)");
            }
            if (!StringUtils.hasText(environment.getProperty("camel.component.kafka.sasl-jaas-config"))) {
                throw new IllegalStateException("INTERCHANGE_KAFKA_SASL_JAAS_CONFIG is not set; " + mechanism
                        + " needs the user's credentials in it");
            }
        }
        if (protocol.endsWith("SSL")) {
            readable("camel.component.kafka.ssl-truststore-location", "INTERCHANGE_KAFKA_SSL_TRUSTSTORE_LOCATION");
            readable("camel.component.kafka.ssl-keystore-location", "INTERCHANGE_KAFKA_SSL_KEYSTORE_LOCATION");
        }
    }

    /** Bootstrap servers, security protocol, SASL and TLS settings of camel.component.kafka as Kafka client properties. */
    public Properties clientProperties() {
        KafkaConfiguration configuration = Binder.get(environment)
                .bindOrCreate("camel.component.kafka", KafkaConfiguration.class);
        Properties properties = new Properties();
        properties.put("bootstrap.servers", configuration.getBrokers());
        configuration.createConsumerProperties().forEach((key, value) -> {
            String name = key.toString();
            if (name.startsWith("security.") || name.startsWith("sasl.")
                    || name.startsWith("ssl.")) {
                properties.put(name, value);
            }
        });
        return properties;
    }

    private void readable(String property, String variable) {
        String location = environment.getProperty(property);
        if (StringUtils.hasText(location) && !Files.isReadable(Path.of(location))) {
            throw new IllegalStateException(variable + " names " + location + ", which is not a readable file");
        }
    }
}

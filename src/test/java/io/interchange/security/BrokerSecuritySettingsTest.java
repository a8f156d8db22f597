package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mock.env.MockEnvironment;

/**
 * Kafka and RabbitMQ connection security as a platform team configures it: what the gateway cannot do, or a
 * store it cannot read, stops startup with the variable named and no secret in the message.
 */
class BrokerSecuritySettingsTest {

    private static final String SECRET = "s3cret-never-logged";

    @TempDir
    Path dir;

    private static MockEnvironment kafka(String protocol) {
        return new MockEnvironment().withProperty("camel.component.kafka.brokers", "kafka-0:9093")
                .withProperty("camel.component.kafka.security-protocol", protocol);
    }

    private static void check(MockEnvironment environment) {
        new KafkaClientSecurity(environment).afterPropertiesSet();
    }

    @Test
    void anUnknownSecurityProtocolIsRefused() {
        assertThatThrownBy(() -> check(kafka("TLS")))
                .hasMessageContaining("INTERCHANGE_KAFKA_SECURITY_PROTOCOL is 'TLS'")
                .hasMessageContaining("SASL_SSL");
    }

    @Test
    void saslMechanismsTheGatewayCannotDoAreRefusedNamingWhatItCan() {
        for (String mechanism : new String[] {"AWS_MSK_IAM", "OAUTHBEARER", "GSSAPI", ""}) {
            MockEnvironment environment = kafka("SASL_SSL").withProperty("camel.component.kafka.sasl-mechanism", mechanism)
                    .withProperty("camel.component.kafka.sasl-jaas-config", "x required;");
            assertThatThrownBy(() -> check(environment)).as(mechanism)
                    .hasMessageContaining("INTERCHANGE_KAFKA_SASL_MECHANISM is '" + mechanism + "'")
                    .hasMessageContaining("SCRAM-SHA-512");
        }
    }

    @Test
    void saslWithoutCredentialsIsRefused() {
        MockEnvironment environment = kafka("SASL_PLAINTEXT").withProperty("camel.component.kafka.sasl-mechanism",
                "SCRAM-SHA-256");
        assertThatThrownBy(() -> check(environment)).hasMessageContaining("INTERCHANGE_KAFKA_SASL_JAAS_CONFIG is not set");
    }

    @Test
    void aStoreThatIsNotThereIsNamedWithItsVariable() {
        MockEnvironment environment = kafka("SSL").withProperty("camel.component.kafka.ssl-keystore-location",
                dir.resolve("missing.p12").toString()).withProperty("camel.component.kafka.ssl-keystore-password", SECRET);
        assertThatThrownBy(() -> check(environment))
                .hasMessageContaining("INTERCHANGE_KAFKA_SSL_KEYSTORE_LOCATION names " + dir.resolve("missing.p12"))
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void workableSettingsPassAndReachEveryKafkaClientOfTheGateway() throws Exception {
        Path truststore = Files.writeString(dir.resolve("truststore.p12"), "not checked here");
        MockEnvironment environment = kafka("SASL_SSL")
                .withProperty("camel.component.kafka.sasl-mechanism", "scram-sha-512")
                .withProperty("camel.component.kafka.sasl-jaas-config", "org.apache.kafka.common.security.scram."
                        + "ScramLoginModule required username=\"u\" password=\"" + SECRET + "\";")
                .withProperty("camel.component.kafka.ssl-truststore-location", truststore.toString())
                .withProperty("camel.component.kafka.ssl-truststore-password", SECRET);
        assertThatCode(() -> check(environment)).doesNotThrowAnyException();

        Properties client = new KafkaClientSecurity(environment).clientProperties();
        assertThat(client).containsEntry("bootstrap.servers", "kafka-0:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "scram-sha-512")
                .containsEntry("ssl.truststore.location", truststore.toString())
                .containsKey("sasl.jaas.config");
        assertThat(client.keySet()).allSatisfy(key -> assertThat(key.toString())
                .matches("bootstrap\\.servers|security\\..*|sasl\\..*|ssl\\..*"));
    }

    @Test
    void withoutKafkaNothingIsChecked() {
        assertThatCode(() -> check(new MockEnvironment().withProperty("camel.component.kafka.security-protocol", "TLS")))
                .doesNotThrowAnyException();
    }

    @Test
    void anUnreadableRabbitStoreFailsNamingItsVariableNotItsPassword() throws Exception {
        Path garbage = Files.writeString(dir.resolve("client.p12"), "not a PKCS#12 file");
        RabbitTlsProperties tls = new RabbitTlsProperties(null, null, "PKCS12", garbage.toString(), SECRET, "PKCS12");
        assertThatThrownBy(() -> RabbitTlsConfiguration.sslContext(tls))
                .hasMessageContaining("INTERCHANGE_RABBITMQ_SSL_KEYSTORE_LOCATION")
                .hasMessageContaining(garbage.toString())
                .hasMessageNotContaining(SECRET);
        RabbitTlsProperties missing = new RabbitTlsProperties(dir.resolve("ca.p12").toString(), SECRET, "PKCS12",
                null, null, "PKCS12");
        assertThatThrownBy(() -> RabbitTlsConfiguration.sslContext(missing))
                .hasMessageContaining("INTERCHANGE_RABBITMQ_SSL_TRUSTSTORE_LOCATION")
                .hasMessageNotContaining(SECRET);
    }
}

package io.interchange.brokers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A private certificate authority for the brokers' TLS listeners and the gateway's clients, made once per
 * JVM with openssl and keytool under {@code target/brokers/tls}: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate (mutual TLS), PEM files (RabbitMQ) and PKCS#12 stores (Kafka,
 * the JVM), and a truststore of another CA, which must be refused.
 */
public final class TestTls {

    private static TestTls instance;

    private final BrokerDir brokerDir = BrokerDir.of("tls");
    private final Path dir = brokerDir.path();
    private final String password;

    private TestTls(String password) {
        this.password = password;
    }

    public static synchronized TestTls get() {
        if (instance == null) {
            TestTls tls = new TestTls(BrokerDir.randomSecret());
            tls.make();
            instance = tls;
        }
        return instance;
    }

    /** The password of every store and key here. */
    public String password() {
        return password;
    }

    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    public Path serverPem() {
        return dir.resolve("server.pem");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /** Server certificate and key, with the CA chain. */
    public Path serverKeystore() {
        return dir.resolve("server.p12");
    }

    /** The client certificate (CN=interchange-client) and key, with the CA chain: for mutual TLS. */
    public Path clientKeystore() {
        return dir.resolve("client.p12");
    }

    /** The CA alone: what a client trusts. */
    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    /** Another CA, which signed none of these certificates. */
    public Path foreignTruststore() {
        return dir.resolve("foreign-truststore.p12");
    }

    private void make() {
        try {
            brokerDir.recreate();
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
            run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                    "-days", "2", "-subj", "/CN=interchange-test-ca");
            run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "foreign.key", "-out",
                    "foreign.pem", "-days", "2", "-subj", "/CN=some-other-ca");
            for (String name : List.of("server", "client")) {
                run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                        "-subj", "/CN=interchange-" + name);
                run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                        "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", "san.ext");
                run("openssl", "pkcs12", "-export", "-in", name + ".pem", "-inkey", name + ".key", "-certfile", "ca.pem",
                        "-name", name, "-out", name + ".p12", "-passout", "pass:" + password);
            }
            run("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "truststore.p12",
                    "-storetype", "PKCS12", "-storepass", password);
            run("keytool", "-importcert", "-noprompt", "-alias", "foreign", "-file", "foreign.pem", "-keystore",
                    "foreign-truststore.p12", "-storetype", "PKCS12", "-storepass", password);
        } catch (IOException e) {
            throw new BrokerUnavailableException("test TLS", "cannot make test certificates in " + dir + ": "
                    + e.getMessage(), "openssl and keytool must be on the PATH", e);
        }
    }

    private void run(String... command) {
        Command.Result result = Command.run(List.of(command), java.util.Map.of(), brokerDir, Duration.ofSeconds(60));
        if (!result.ok()) {
            throw new BrokerUnavailableException("test TLS", String.join(" ", command) + " failed: " + result.output(),
                    "openssl and keytool must be on the PATH", null);
        }
    }
}

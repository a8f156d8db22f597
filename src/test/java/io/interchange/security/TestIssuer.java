package io.interchange.security;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A token issuer for tests: its own RSA key pair, made per instance, and an HTTP server on 127.0.0.1 that serves the
 * public key as a JWK set ({@code /jwks}) and an OpenID discovery document
 * ({@code /.well-known/openid-configuration}), as an identity provider does. It mints valid tokens and the kinds of
 * bad ones a hostile client would try.
 */
final class TestIssuer implements AutoCloseable {

    static final String AUDIENCE = "interchange-orders";

    private final RSAKey key;
    /** Same key id, different key: a token signed by someone who copied the header. */
    private final RSAKey impostor;
    private final HttpServer server;
    private final AtomicInteger jwksRequests = new AtomicInteger();

    TestIssuer() {
        try {
            key = new RSAKeyGenerator(2048).keyID("test-key").generate();
            impostor = new RSAKeyGenerator(2048).keyID("test-key").generate();
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/jwks", exchange -> {
            jwksRequests.incrementAndGet();
            respond(exchange, new JWKSet(key.toPublicJWK()).toString());
        });
        server.createContext("/.well-known/openid-configuration", exchange -> respond(exchange,
                "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + jwkSetUri() + "\"}"));
        server.start();
    }

    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jwkSetUri() {
        return issuer() + "/jwks";
    }

    int jwksRequests() {
        return jwksRequests.get();
    }

    String valid() {
        return sign(key, claims(issuer(), AUDIENCE, Instant.now().plus(Duration.ofMinutes(5))));
    }

    /** Expired ten minutes ago: well past the 60 s clock skew. */
    String expired() {
        return sign(key, claims(issuer(), AUDIENCE, Instant.now().minus(Duration.ofMinutes(10))));
    }

    String signedByAnotherKey() {
        return sign(impostor, claims(issuer(), AUDIENCE, Instant.now().plus(Duration.ofMinutes(5))));
    }

    String fromAnotherIssuer() {
        return sign(key, claims("http://127.0.0.1:1/other", AUDIENCE, Instant.now().plus(Duration.ofMinutes(5))));
    }

    String forAnotherAudience() {
        return sign(key, claims(issuer(), "some-other-api", Instant.now().plus(Duration.ofMinutes(5))));
    }

    /** {@code alg: none}: no signature at all. */
    String unsigned() {
        return new PlainJWT(claims(issuer(), AUDIENCE, Instant.now().plus(Duration.ofMinutes(5)))).serialize();
    }

    /** HS256 with the issuer's public key as the shared secret: the classic algorithm confusion attack. */
    String hmacWithThePublicKey() {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(),
                    claims(issuer(), AUDIENCE, Instant.now().plus(Duration.ofMinutes(5))));
            jwt.sign(new MACSigner(key.toPublicJWK().toRSAPublicKey().getEncoded()));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JWTClaimsSet claims(String issuer, String audience, Instant expires) {
        return new JWTClaimsSet.Builder().issuer(issuer).subject("order-client").audience(List.of(audience))
                .issueTime(Date.from(expires.minus(Duration.ofMinutes(15)))).expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString()).build();
    }

    private static String sign(RSAKey signingKey, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID()).build(),
                    claims);
            jwt.sign(new RSASSASigner(signingKey));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void respond(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

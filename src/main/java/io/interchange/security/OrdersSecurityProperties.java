package io.interchange.security;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.util.StringUtils;
import org.springframework.validation.annotation.Validated;

/**
 * Who may place orders: authentication of the traffic port ({@code POST /orders} and any other HTTP route),
 * except the LRA participant callbacks, which the coordinator calls without credentials and which the gateway
 * confirms with the coordinator instead (docs/security.md).
 *
 * @param authentication {@code none} (default, and in dev mode): anyone who reaches the port may place orders;
 *                       {@code jwt}: a request needs a valid JWT bearer token ({@code Authorization: Bearer ...}),
 *                       else 401 and nothing runs
 * @param jwt            how tokens are checked when {@code authentication} is {@code jwt}
 */
@Validated
@ConfigurationProperties("interchange.security.orders")
public record OrdersSecurityProperties(
        @DefaultValue("none") @NotNull Authentication authentication,
        @DefaultValue @Valid Jwt jwt) {

    public enum Authentication {
        NONE, JWT
    }

    /**
     * Tokens are signed by an issuer whose public keys the gateway reads from a JWK set (no secret is configured).
     *
     * @param issuerUri     the issuer ({@code iss}): every token must carry exactly it; without {@code jwkSetUri} its
     *                      keys are found through {@code <issuer>/.well-known/openid-configuration} on first use
     * @param jwkSetUri     where the issuer's public keys are (a JWK set); with it, no discovery is made
     * @param audiences     when not empty, a token's {@code aud} must contain one of these
     * @param jwsAlgorithms signature algorithms accepted (RS256 by default); never {@code none} or HMAC
     */
    public record Jwt(String issuerUri, String jwkSetUri, @DefaultValue List<String> audiences,
            @DefaultValue("RS256") List<String> jwsAlgorithms) {

        public Jwt {
            issuerUri = StringUtils.hasText(issuerUri) ? issuerUri.strip() : null;
            jwkSetUri = StringUtils.hasText(jwkSetUri) ? jwkSetUri.strip() : null;
            audiences = audiences == null ? List.of()
                    : audiences.stream().filter(StringUtils::hasText).map(String::strip).toList();
            jwsAlgorithms = jwsAlgorithms == null ? List.of()
                    : jwsAlgorithms.stream().filter(StringUtils::hasText).map(String::strip).toList();
        }
    }

    public OrdersSecurityProperties {
        if (authentication == Authentication.JWT) {
            if (jwt.issuerUri() == null && jwt.jwkSetUri() == null) {
                throw new IllegalArgumentException("interchange.security.orders.authentication=jwt needs"
                        + " interchange.security.orders.jwt.issuer-uri (INTERCHANGE_ORDERS_JWT_ISSUER_URI) or"
                        + " interchange.security.orders.jwt.jwk-set-uri (INTERCHANGE_ORDERS_JWT_JWK_SET_URI)");
            }
            requireHttpUrl("issuer-uri", jwt.issuerUri());
            requireHttpUrl("jwk-set-uri", jwt.jwkSetUri());
            if (jwt.jwsAlgorithms().isEmpty()) {
                throw new IllegalArgumentException("interchange.security.orders.jwt.jws-algorithms is empty");
            }
            for (String algorithm : jwt.jwsAlgorithms()) {
                // SignatureAlgorithm knows only asymmetric ones (RS*, ES*, PS*): no "none", no shared secret.
                if (SignatureAlgorithm.from(algorithm) == null) {
                    throw new IllegalArgumentException("interchange.security.orders.jwt.jws-algorithms: '" + algorithm
                            + "' is not one of RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512");
                }
            }
        }
    }

    private static void requireHttpUrl(String name, String value) {
        if (value == null) {
            return;
        }
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("interchange.security.orders.jwt." + name
                    + " must be an http(s) URL without credentials, was '" + value + "'");
        }
    }
}

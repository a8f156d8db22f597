package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Authentication settings bind as config/application.yaml writes them, and a bad one names itself. */
class OrdersSecurityPropertiesTest {

    private static OrdersSecurityProperties bind(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put("interchange.security.orders." + keyValues[i], keyValues[i + 1]);
        }
        return new Binder(new MapConfigurationPropertySource(map))
                .bindOrCreate("interchange.security.orders", OrdersSecurityProperties.class);
    }

    @Test
    void offByDefault() {
        OrdersSecurityProperties none = bind();
        assertThat(none.authentication()).isEqualTo(OrdersSecurityProperties.Authentication.NONE);
        assertThat(none.jwt().jwsAlgorithms()).containsExactly("RS256");
        // The empty defaults of config/application.yaml mean "not set", so sagas without authentication start.
        assertThat(bind("authentication", "none", "jwt.issuer-uri", "", "jwt.jwk-set-uri", "", "jwt.audiences", "")
                .jwt().audiences()).isEmpty();
    }

    @Test
    void jwtWithAnIssuerOrAJwkSet() {
        OrdersSecurityProperties jwt = bind("authentication", "jwt", "jwt.issuer-uri", "https://idp.example.com/realms/x",
                "jwt.audiences", "orders, , billing", "jwt.jws-algorithms", "RS256,ES256");
        assertThat(jwt.authentication()).isEqualTo(OrdersSecurityProperties.Authentication.JWT);
        assertThat(jwt.jwt().audiences()).isEqualTo(List.of("orders", "billing"));
        assertThat(bind("authentication", "JWT", "jwt.jwk-set-uri", "http://keycloak.auth.svc:8080/certs")
                .jwt().jwkSetUri()).isEqualTo("http://keycloak.auth.svc:8080/certs");
    }

    @Test
    void badSettingsFailWithTheirNames() {
        assertFails(new String[] {"authentication", "jwt"}, "interchange.security.orders.jwt.issuer-uri",
                "INTERCHANGE_ORDERS_JWT_JWK_SET_URI");
        assertFails(new String[] {"authentication", "jwt", "jwt.issuer-uri", "ftp://idp"},
                "interchange.security.orders.jwt.issuer-uri must be an http(s) URL");
        assertFails(new String[] {"authentication", "jwt", "jwt.jwk-set-uri", "https://user:secret@idp/certs"},
                "interchange.security.orders.jwt.jwk-set-uri must be an http(s) URL without credentials");
        assertFails(new String[] {"authentication", "jwt", "jwt.jwk-set-uri", "https://idp/certs",
                "jwt.jws-algorithms", "HS256"}, "interchange.security.orders.jwt.jws-algorithms: 'HS256'");
        assertFails(new String[] {"authentication", "jwt", "jwt.jwk-set-uri", "https://idp/certs",
                "jwt.jws-algorithms", "none"}, "'none' is not one of");
        assertThatThrownBy(() -> bind("authentication", "basic")).isInstanceOf(BindException.class)
                .hasMessageContaining("interchange.security.orders.authentication");
    }

    private static void assertFails(String[] settings, String... messages) {
        assertThatThrownBy(() -> bind(settings)).isInstanceOf(BindException.class).rootCause()
                .satisfies(cause -> {
                    for (String message : messages) {
                        assertThat(cause.getMessage()).contains(message);
                    }
                });
    }
}

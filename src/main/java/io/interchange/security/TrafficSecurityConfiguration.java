package io.interchange.security;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import jakarta.servlet.DispatcherType;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * Who may call what over HTTP. The management port (actuator: health, info, prometheus, sagas; read-only) is
 * open as before: it is meant for the cluster's probes and scrapers only. On the traffic port, with
 * {@code interchange.security.orders.authentication=none} (the default) anyone may call; with {@code jwt} every
 * request needs a valid bearer token except the two LRA participant callbacks ({@code PUT <context>/compensate}
 * and {@code /complete}), which the coordinator calls without one and which {@code saga.SagaCallbackVerifier}
 * confirms with the coordinator instead. Denying by default means a new HTTP route, or a path variant of
 * {@code /orders}, is never open by accident.
 *
 * <p>No session, no CSRF token (nothing is held in cookies), no login form, no generated user: the only
 * credential is the token, checked against the issuer's public keys.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class TrafficSecurityConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(TrafficSecurityConfiguration.class);

    @Bean
    ManagementPortMatcher managementPortMatcher(Environment environment) {
        return new ManagementPortMatcher(environment);
    }

    @Bean
    @Order(1)
    SecurityFilterChain managementPortSecurity(HttpSecurity http, ManagementPortMatcher managementPort)
            throws Exception {
        return stateless(http.securityMatcher(managementPort))
                .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                .build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain trafficPortSecurity(HttpSecurity http, OrdersSecurityProperties orders, Environment environment)
            throws Exception {
        stateless(http);
        if (orders.authentication() == OrdersSecurityProperties.Authentication.NONE) {
            return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).build();
        }
        String callbacks = "/" + environment.getProperty("camel.lra.local-participant-context-path", "/lra-participant")
                .replaceAll("^/+|/+$", "");
        PathPatternRequestMatcher.Builder paths = PathPatternRequestMatcher.withDefaults();
        LOG.info("POST /orders and every other request on the traffic port need a JWT bearer token (issuer {}, JWK set"
                + " {}, audiences {}); only PUT {}/compensate and {}/complete are open, for the LRA coordinator",
                orValue(orders.jwt().issuerUri()), orValue(orders.jwt().jwkSetUri()), orders.jwt().audiences(), callbacks,
                callbacks);
        return http
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers(paths.matcher(HttpMethod.PUT, callbacks + "/compensate"),
                                paths.matcher(HttpMethod.PUT, callbacks + "/complete")).permitAll()
                        // The container's error dispatch of a request already let through (or refused).
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .anyRequest().authenticated())
                .oauth2ResourceServer(server -> server.jwt(jwt -> jwt.decoder(jwtDecoder(orders.jwt()))))
                .build();
    }

    private static HttpSecurity stateless(HttpSecurity http) throws Exception {
        return http.csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable);
    }

    /**
     * Keys from the JWK set URI, or found through the issuer's discovery document on first use (so the gateway
     * starts while the issuer is away; tokens are refused until it is back). Checked: signature with an allowed
     * algorithm, {@code exp}/{@code nbf} (60 s clock skew), {@code iss} when an issuer is set, {@code aud} when
     * audiences are set.
     */
    static JwtDecoder jwtDecoder(OrdersSecurityProperties.Jwt settings) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        if (settings.issuerUri() != null) {
            validators.add(new JwtIssuerValidator(settings.issuerUri()));
        }
        if (!settings.audiences().isEmpty()) {
            validators.add(new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
                    audience -> audience != null && audience.stream().anyMatch(settings.audiences()::contains)));
        }
        OAuth2TokenValidator<Jwt> validator = JwtValidators.createDefaultWithValidators(validators);
        Supplier<JwtDecoder> decoder = () -> {
            NimbusJwtDecoder.JwkSetUriJwtDecoderBuilder builder = settings.jwkSetUri() != null
                    ? NimbusJwtDecoder.withJwkSetUri(settings.jwkSetUri())
                    : NimbusJwtDecoder.withIssuerLocation(settings.issuerUri());
            builder.jwsAlgorithms(algorithms -> {
                algorithms.clear();
                settings.jwsAlgorithms().forEach(name -> algorithms.add(SignatureAlgorithm.from(name)));
            });
            NimbusJwtDecoder nimbus = builder.build();
            nimbus.setJwtValidator(validator);
            return nimbus;
        };
        return settings.jwkSetUri() != null ? decoder.get() : new SupplierJwtDecoder(decoder);
    }

    private static String orValue(String value) {
        return value == null ? "-" : value;
    }
}

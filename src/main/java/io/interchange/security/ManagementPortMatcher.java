package io.interchange.security;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Matches requests that arrived on the management port. Spring Boot runs actuator in a child context on its own
 * port but puts the application's security filter chain in front of it too, so the chains must tell the ports
 * apart; the local port of the connection says which one a request came in on, whatever its Host header says.
 */
public class ManagementPortMatcher implements RequestMatcher, ApplicationListener<WebServerInitializedEvent> {

    /**
     * The configured port, then the one the management server really bound (the configured one may be 0). A
     * management port equal to the traffic port is no separate port: then nothing counts as management.
     */
    private volatile int port;

    public ManagementPortMatcher(Environment environment) {
        int configured = environment.getProperty("management.server.port", Integer.class, -1);
        int traffic = environment.getProperty("server.port", Integer.class, 8080);
        this.port = configured > 0 && configured != traffic ? configured : -1;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if ("management".equals(event.getApplicationContext().getServerNamespace())) {
            port = event.getWebServer().getPort();
        }
    }

    @Override
    public boolean matches(HttpServletRequest request) {
        return request.getLocalPort() == port;
    }
}

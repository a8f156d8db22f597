package io.interchange;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Interchange gateway: Camel routes from YAML files, settings from {@code config/}. Spring Boot's
 * DataSource auto-configuration is off: only the jdbc idempotency store makes one
 * ({@code io.interchange.idempotency}), so a gateway without a database starts.
 */
@SpringBootApplication(exclude = DataSourceAutoConfiguration.class)
@ConfigurationPropertiesScan
public class InterchangeApplication {

    public static void main(String[] args) {
        SpringApplication.run(InterchangeApplication.class, args);
    }
}

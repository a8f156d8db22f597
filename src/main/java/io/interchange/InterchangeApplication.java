package io.interchange;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Interchange gateway: Camel routes from YAML files, settings from {@code config/}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class InterchangeApplication {

    public static void main(String[] args) {
        SpringApplication.run(InterchangeApplication.class, args);
    }
}

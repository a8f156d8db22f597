package io.interchange.cloudevents;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the {@code interchange-cloudevents} component with the limits from configuration. The bean is named
 * after the scheme so that Camel's registry lookup finds it before the factory finder would make an unconfigured
 * one.
 */
@Configuration(proxyBeanMethods = false)
public class CloudEventsConfiguration {

    @Bean("interchange-cloudevents")
    CloudEventsComponent interchangeCloudEvents(CloudEventsProperties properties) {
        return new CloudEventsComponent(properties.limits());
    }
}

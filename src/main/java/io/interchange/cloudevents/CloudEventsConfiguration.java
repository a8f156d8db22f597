package io.interchange.cloudevents;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Registers the {@code interchange-cloudevents} component with the limits from configuration. */
@Configuration(proxyBeanMethods = false)
public class CloudEventsConfiguration {

    @Bean("interchange-cloudevents")
    CloudEventsComponent interchangeCloudEvents(CloudEventsProperties properties) {
        return new CloudEventsComponent(properties.limits());
    }
}

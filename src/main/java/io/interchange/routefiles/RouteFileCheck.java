package io.interchange.routefiles;

import java.util.List;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.LineNumberAware;
import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategy;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.CamelContextCustomizer;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Checks every endpoint of a route as soon as its file is loaded, so that an unset
 * {@code {{placeholder}}} or a broker the deployment did not configure fails startup naming the
 * file, the line and the setting, rather than later with only a route id.
 */
@Component
public class RouteFileCheck implements CamelContextCustomizer {

    /** Broker connection settings a route using the scheme needs, unless its URI sets the option (if any). */
    private static final List<BrokerSetting> BROKER_SETTINGS = List.of(
            new BrokerSetting("kafka", "brokers=", "camel.component.kafka.brokers", "INTERCHANGE_KAFKA_BROKERS"),
            new BrokerSetting("interchange-kafka", null, "camel.component.kafka.brokers", "INTERCHANGE_KAFKA_BROKERS"),
            new BrokerSetting("interchange-rabbitmq", null, "spring.rabbitmq.host", "INTERCHANGE_RABBITMQ_HOST"),
            new BrokerSetting("spring-rabbitmq", "connectionFactory=", "spring.rabbitmq.host",
                    "INTERCHANGE_RABBITMQ_HOST"),
            new BrokerSetting("aws2-sqs", "region=", "camel.component.aws2-sqs.region", "INTERCHANGE_SQS_REGION"),
            new BrokerSetting("interchange-sqs", null, "interchange.sqs.region", "INTERCHANGE_SQS_REGION"));

    private static final String DEAD_LETTER_CONFIGURATION = "dead-letter";

    private final Environment environment;

    public RouteFileCheck(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void configure(CamelContext camelContext) {
        camelContext.getCamelContextExtension().getContextPlugin(Model.class)
                .addModelLifecycleStrategy(new Strategy(camelContext, environment));
    }

    private record BrokerSetting(String scheme, String uriOption, String property, String environmentVariable) {
    }

    private record Strategy(CamelContext camelContext, Environment environment) implements ModelLifecycleStrategy {

        @Override
        public void onAddRouteDefinition(RouteDefinition route) {
            String file = route.getResource() != null ? route.getResource().getLocation()
                    : route.isCreatedFromTemplate() ? "(route template)" : "(no file)";
            if (!preconditionHolds(route, file)) {
                // Camel will not create this route (e.g. the saga routes while interchange.saga.enabled is
                // false), so the brokers it would use need not be configured.
                return;
            }
            // A route made from a template resolves the template's parameters as local properties, as Camel
            // does when it creates the route.
            PropertiesComponent properties = camelContext.getPropertiesComponent();
            if (route.getTemplateParameters() != null) {
                Properties parameters = new Properties();
                parameters.putAll(route.getTemplateParameters());
                properties.setLocalProperties(parameters);
            }
            try {
                check(route, file, route.getInput());
                checkOutputs(route, file, route.getOutputs());
                checkDeadLetterDestination(route, file);
            } finally {
                properties.setLocalProperties(null);
            }
        }

        /** A route under the dead-letter policy needs somewhere to send dead letters, or they would stall it. */
        private void checkDeadLetterDestination(RouteDefinition route, String file) {
            String configurations = route.getRouteConfigurationId() == null ? null
                    : camelContext.resolvePropertyPlaceholders(route.getRouteConfigurationId());
            if (configurations == null || !List.of(configurations.split(",")).contains(DEAD_LETTER_CONFIGURATION)) {
                return;
            }
            String property = "interchange.dead-letter.destinations." + route.getRouteId();
            if (!StringUtils.hasText(environment.getProperty(property))) {
                int line = route.getInput() != null ? route.getInput().getLineNumber() : -1;
                throw new InvalidRouteFileException(file, line, route.getRouteId(), "the route uses the dead-letter"
                        + " policy (routeConfigurationId: dead-letter), but " + property + " is not set", null);
            }
        }

        private boolean preconditionHolds(RouteDefinition route, String file) {
            String precondition = route.getPrecondition();
            if (precondition == null || precondition.isBlank()) {
                return true;
            }
            int line = route.getInput() != null ? route.getInput().getLineNumber() : -1;
            try {
                String resolved = camelContext.resolvePropertyPlaceholders(precondition);
                return camelContext.resolveLanguage("simple").createPredicate(resolved)
                        .matches(new org.apache.camel.support.DefaultExchange(camelContext));
            } catch (IllegalArgumentException e) {
                throw new InvalidRouteFileException(file, line, route.getRouteId(), e.getMessage(), e);
            }
        }

        private void checkOutputs(RouteDefinition route, String file, List<ProcessorDefinition<?>> outputs) {
            for (ProcessorDefinition<?> step : outputs) {
                check(route, file, step);
                checkOutputs(route, file, step.getOutputs());
            }
        }

        private void check(RouteDefinition route, String file, Object step) {
            if (!(step instanceof EndpointRequiredDefinition endpoint) || endpoint.getEndpointUri() == null) {
                return;
            }
            int line = step instanceof LineNumberAware aware ? aware.getLineNumber() : -1;
            String uri;
            try {
                uri = camelContext.resolvePropertyPlaceholders(endpoint.getEndpointUri());
            } catch (IllegalArgumentException e) {
                throw new InvalidRouteFileException(file, line, route.getRouteId(), e.getMessage(), e);
            }
            for (BrokerSetting setting : BROKER_SETTINGS) {
                if (uri.startsWith(setting.scheme() + ":")
                        && (setting.uriOption() == null || !uri.contains(setting.uriOption()))
                        && !StringUtils.hasText(environment.getProperty(setting.property()))) {
                    throw new InvalidRouteFileException(file, line, route.getRouteId(), "endpoint " + setting.scheme()
                            + ": needs a broker, but " + setting.environmentVariable() + " (" + setting.property()
                            + ") is not set", null);
                }
            }
        }

        @Override
        public void onRemoveRouteDefinition(RouteDefinition route) {
            // nothing was kept
        }

        @Override
        public void onAddRouteTemplateDefinition(RouteTemplateDefinition template) {
            // templates are checked when a route is made from them
        }

        @Override
        public void onRemoveRouteTemplateDefinition(RouteTemplateDefinition template) {
            // nothing was kept
        }
    }
}

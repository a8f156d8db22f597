package io.interchange.routes;

import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.LineNumberAware;
import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategy;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.spi.CamelContextCustomizer;
import org.springframework.stereotype.Component;

/**
 * Resolves every endpoint URI of a route as soon as its file is loaded, so that an unset
 * {@code {{placeholder}}} fails startup naming the file, the line and the property, rather than
 * later with only a route id.
 */
@Component
public class RoutePlaceholderCheck implements CamelContextCustomizer {

    @Override
    public void configure(CamelContext camelContext) {
        camelContext.getCamelContextExtension().getContextPlugin(Model.class)
                .addModelLifecycleStrategy(new Strategy(camelContext));
    }

    private record Strategy(CamelContext camelContext) implements ModelLifecycleStrategy {

        @Override
        public void onAddRouteDefinition(RouteDefinition route) {
            String file = route.getResource() != null ? route.getResource().getLocation() : "(no file)";
            check(route, file, route.getInput());
            checkOutputs(route, file, route.getOutputs());
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
            try {
                camelContext.resolvePropertyPlaceholders(endpoint.getEndpointUri());
            } catch (IllegalArgumentException e) {
                int line = step instanceof LineNumberAware aware ? aware.getLineNumber() : -1;
                throw new InvalidRouteFileException(file, line, route.getRouteId(), e.getMessage(), e);
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

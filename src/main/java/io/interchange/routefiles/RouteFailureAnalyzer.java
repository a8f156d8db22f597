package io.interchange.routefiles;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.FailedToCreateRouteException;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a route file that cannot be loaded into a startup failure that names the file, the line and
 * the problem, instead of a page of stack trace. Three causes are told apart: YAML that does not
 * parse, a step Camel does not know, and a route whose endpoints or placeholders cannot be resolved.
 */
public class RouteFailureAnalyzer extends AbstractFailureAnalyzer<Exception> {

    private static final String PLACEHOLDER_ACTION = "Fix the step named above. A {{placeholder}} must be set in"
            + " config/application.yaml, a profile file or the environment; use {{?name}} for an optional one.";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, Exception cause) {
        List<Throwable> chain = chain(rootFailure);
        for (Throwable t : chain) {
            if (t instanceof MarkedYamlEngineException yaml) {
                return new FailureAnalysis(
                        "A route file is not valid: " + oneParagraph(yaml.getMessage()),
                        "Fix the route file at the line and column shown. Steps and their options are listed in"
                                + " the Camel YAML DSL reference; the routes directory is set by INTERCHANGE_ROUTES_DIR.",
                        rootFailure);
            }
        }
        for (Throwable t : chain) {
            if (t instanceof InvalidRouteFileException invalid) {
                return new FailureAnalysis("A route file cannot run: " + invalid.getMessage(), PLACEHOLDER_ACTION, rootFailure);
            }
        }
        for (Throwable t : chain) {
            if (t instanceof FailedToCreateRouteException route) {
                Throwable root = chain.get(chain.size() - 1);
                String where = route.getLocation() != null ? route.getLocation() : "an unknown file";
                return new FailureAnalysis(
                        "Route '" + route.getRouteId() + "' in " + where + " could not be created: " + root.getMessage(),
                        PLACEHOLDER_ACTION, rootFailure);
            }
        }
        return null;
    }

    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static String oneParagraph(String message) {
        return message.strip().replaceAll("\\n\\s*\\n", "\n");
    }
}

package io.interchange.tooling;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Makes docs/components.md of its template (src/main/docs/components.md) and the Camel component metadata
 * the build generates for each {@code interchange-*} scheme: a line {@code {{tables <scheme>}}} becomes the
 * tables of that component's options, headers and component options. The metadata is read from the class
 * path as Camel does: {@code META-INF/services/org/apache/camel/component/<scheme>} names the component
 * class, whose package holds {@code <scheme>.json}.
 */
public final class ComponentDocs {

    /** Options every Camel component or endpoint has; Camel documents them, and they say nothing of ours. */
    static final Set<String> GENERIC_OPTIONS = Set.of("bridgeErrorHandler", "exceptionHandler", "exchangePattern",
            "lazyStartProducer", "autowiredEnabled", "healthCheckProducerEnabled");

    private static final Pattern TABLES = Pattern.compile("^\\{\\{tables ([a-z0-9-]+)}}$", Pattern.MULTILINE);
    private static final Pattern TEMPLATE_COMMENT = Pattern.compile("\\A<!--.*?-->\\n", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ComponentDocs() {
    }

    /** The schemes a template has tables for, in order. */
    static List<String> schemes(String template) {
        List<String> schemes = new ArrayList<>();
        Matcher m = TABLES.matcher(template);
        while (m.find()) {
            schemes.add(m.group(1));
        }
        return schemes;
    }

    static String render(String template) {
        Matcher m = TABLES.matcher(TEMPLATE_COMMENT.matcher(template).replaceFirst(""));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(tables(metadata(m.group(1)))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The component's catalog JSON, as Camel's runtime catalog finds it. */
    static JsonNode metadata(String scheme) {
        ClassLoader loader = ComponentDocs.class.getClassLoader();
        Properties service = new Properties();
        try (InputStream in = loader.getResourceAsStream("META-INF/services/org/apache/camel/component/" + scheme)) {
            if (in == null) {
                throw new IllegalStateException("no component " + scheme + " on the class path: is it annotated with"
                        + " @Component(\"" + scheme + "\") and was the build run?");
            }
            service.load(in);
            String componentClass = service.getProperty("class");
            String path = "META-INF/" + componentClass.substring(0, componentClass.lastIndexOf('.')).replace('.', '/')
                    + "/" + scheme + ".json";
            try (InputStream json = loader.getResourceAsStream(path)) {
                if (json == null) {
                    throw new IllegalStateException("no metadata " + path + " for " + scheme);
                }
                return JSON.readTree(json);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tables(JsonNode metadata) {
        StringBuilder out = new StringBuilder();
        out.append("| Option | Type | Default | Description |\n| --- | --- | --- | --- |\n");
        for (Map.Entry<String, JsonNode> option : options(metadata.path("properties"))) {
            JsonNode o = option.getValue();
            String name = "path".equals(o.path("kind").asText()) ? "(path) " + option.getKey() : option.getKey();
            out.append(row("`" + name + "`", type(o), defaultValue(o), o.path("description").asText()));
        }
        List<Map.Entry<String, JsonNode>> headers = entries(metadata.path("headers"));
        if (!headers.isEmpty()) {
            out.append("\nHeaders:\n\n| Header | Type | Where | Description |\n| --- | --- | --- | --- |\n");
            for (Map.Entry<String, JsonNode> header : headers) {
                JsonNode h = header.getValue();
                out.append(row("`" + header.getKey() + "`", simpleName(h.path("javaType").asText()), where(h),
                        h.path("description").asText()));
            }
        }
        List<Map.Entry<String, JsonNode>> componentOptions = options(metadata.path("componentProperties"));
        if (!componentOptions.isEmpty()) {
            out.append("\nComponent options (the gateway sets them on its component bean from its own settings):\n\n")
                    .append("| Option | Type | Default | Description |\n| --- | --- | --- | --- |\n");
            for (Map.Entry<String, JsonNode> option : componentOptions) {
                JsonNode o = option.getValue();
                out.append(row("`" + option.getKey() + "`", type(o), defaultValue(o), o.path("description").asText()));
            }
        }
        return out.toString().stripTrailing();
    }

    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static List<Map.Entry<String, JsonNode>> options(JsonNode properties) {
        return entries(properties).stream().filter(e -> !GENERIC_OPTIONS.contains(e.getKey())).toList();
    }

    static List<Map.Entry<String, JsonNode>> entries(JsonNode object) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            entries.add(it.next());
        }
        return entries;
    }

    private static String type(JsonNode option) {
        return simpleName(option.path("javaType").asText());
    }

    private static String simpleName(String javaType) {
        return javaType.substring(Math.max(javaType.lastIndexOf('.'), javaType.lastIndexOf('$')) + 1);
    }

    private static String defaultValue(JsonNode option) {
        JsonNode value = option.get("defaultValue");
        return value == null ? "" : "`" + value.asText() + "`";
    }

    private static String where(JsonNode header) {
        String label = header.path("label").asText();
        if (label.contains("consumer") && !label.contains("producer")) {
            return "source";
        }
        if (label.contains("producer") && !label.contains("consumer")) {
            return "sink";
        }
        return "source and sink";
    }
}

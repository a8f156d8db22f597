package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The building blocks are documented like kamelets: every option of every component the gateway
 * ships has a description in its code and a row, with type and default, in docs/components.md.
 * An option added without both fails here, the way the kamelet catalog's linter rejects one.
 */
class ComponentDocsTest {

    @ParameterizedTest
    @ValueSource(strings = {"io.interchange.bridge.kafka.KafkaSourceEndpoint",
            "io.interchange.bridge.rabbitmq.RabbitEndpoint", "io.interchange.bridge.sqs.SqsEndpoint",
            "io.interchange.cloudevents.CloudEventsEndpoint", "io.interchange.idempotency.IdempotentEndpoint"})
    void everyOptionIsDescribedAndDocumented(String endpointClass) throws Exception {
        Class<?> endpoint = Class.forName(endpointClass);
        String scheme = endpoint.getAnnotation(UriEndpoint.class).scheme();
        String docs = Files.readString(Path.of("docs/components.md"));
        assertThat(docs).contains("## `" + scheme + "`");
        String section = docs.substring(docs.indexOf("## `" + scheme + "`"));
        section = section.contains("\n## ") ? section.substring(0, section.indexOf("\n## ", 3)) : section;

        List<String> missing = new ArrayList<>();
        for (Field field : endpoint.getDeclaredFields()) {
            String row = row(field);
            if (row != null && !section.contains(row)) {
                missing.add(row);
            }
        }
        assertThat(missing).as("rows missing from the `%s` section of docs/components.md", scheme).isEmpty();
    }

    private static String row(Field field) throws IOException {
        UriParam param = field.getAnnotation(UriParam.class);
        UriPath path = field.getAnnotation(UriPath.class);
        if (param == null && path == null) {
            return null;
        }
        String description = param != null ? param.description() : path.description();
        assertThat(description).as("description of option " + field.getName()).isNotBlank();
        String defaultValue = param != null ? param.defaultValue() : path.defaultValue();
        String name = path != null ? "(path) " + field.getName() : field.getName();
        return "| `" + name + "` | " + field.getType().getSimpleName() + " | "
                + (defaultValue.isEmpty() ? "" : "`" + defaultValue + "`") + " | " + description + " |";
    }
}

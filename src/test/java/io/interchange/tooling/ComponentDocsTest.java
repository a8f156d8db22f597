package io.interchange.tooling;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * docs/components.md is generated from the Camel metadata of the interchange-* components and its template
 * src/main/docs/components.md. This fails when the committed file is stale; regenerate it with
 * {@code ./mvnw -o -B test -Dtest=ComponentDocsTest -Dcomponents.doc.write=true}.
 */
class ComponentDocsTest {

    private static final Path TEMPLATE = Path.of("src/main/docs/components.md");
    private static final Path DOC = Path.of("docs/components.md");
    private static final List<String> SCHEMES = List.of("interchange-kafka", "interchange-rabbitmq", "interchange-sqs",
            "interchange-cloudevents", "interchange-idempotent");

    @Test
    void everyComponentHasGeneratedMetadataAndASection() throws Exception {
        assertThat(ComponentDocs.schemes(Files.readString(TEMPLATE))).containsExactlyInAnyOrderElementsOf(SCHEMES);
        for (String scheme : SCHEMES) {
            JsonNode metadata = ComponentDocs.metadata(scheme);
            assertThat(metadata.path("component").path("scheme").asText()).isEqualTo(scheme);
        }
    }

    @Test
    void everyOptionAndHeaderIsDescribed() {
        List<String> undescribed = new ArrayList<>();
        for (String scheme : SCHEMES) {
            JsonNode metadata = ComponentDocs.metadata(scheme);
            for (String kind : List.of("componentProperties", "properties", "headers")) {
                for (Map.Entry<String, JsonNode> entry : ComponentDocs.entries(metadata.path(kind))) {
                    if (entry.getValue().path("description").asText().isBlank()) {
                        undescribed.add(scheme + " " + kind + " " + entry.getKey());
                    }
                }
            }
        }
        assertThat(undescribed).as("options and headers without a description").isEmpty();
    }

    @Test
    void committedDocIsWhatTheMetadataMakes() throws Exception {
        String generated = ComponentDocs.render(Files.readString(TEMPLATE));
        if (Boolean.getBoolean("components.doc.write")) {
            Files.writeString(DOC, generated);
        }
        assertThat(Files.readString(DOC))
                .as("docs/components.md is stale; regenerate it with"
                        + " ./mvnw -o -B test -Dtest=ComponentDocsTest -Dcomponents.doc.write=true")
                .isEqualTo(generated);
    }
}

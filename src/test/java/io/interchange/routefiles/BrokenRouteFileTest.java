package io.interchange.routefiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.interchange.InterchangeApplication;

/** A route file that cannot run stops the gateway at startup, naming the file, the line and the fault. */
class BrokenRouteFileTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            yaml-error          | broken.yaml        | line 7, column 6 | expected <block end>
            unknown-step        | unknown-step.yaml  | line 6, column 11 | Unknown node id: lgo
            missing-placeholder | missing.yaml       | line 7           | Property with key [orders.nowhere.topic] not found
            missing-broker      | needs-kafka.yaml   | line 6           | INTERCHANGE_KAFKA_BROKERS (camel.component.kafka.brokers) is not set
            """)
    void startupFailsNamingFileLineAndProblem(String folder, String file, String line, String problem) {
        Path routes = Path.of("src/test/resources/broken-routes", folder).toAbsolutePath();

        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(InterchangeApplication.class)
                .run("--interchange.routes-dir=" + routes, "--spring.main.web-application-type=none").close());

        assertThat(failure).as("startup must fail").isNotNull();
        FailureAnalysis analysis = new RouteFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of " + failure).isNotNull();
        assertThat(analysis.getDescription()).contains(routes.resolve(file).toString(), line, problem);
        assertThat(analysis.getAction()).isNotBlank();
    }
}

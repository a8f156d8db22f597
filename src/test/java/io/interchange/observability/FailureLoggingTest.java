package io.interchange.observability;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.interchange.InterchangeApplication;

/** A failed exchange is one log line with its route, reason and trace id; no message history, no stack trace. */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = InterchangeApplication.class,
        properties = "camel.main.routes-include-pattern=file:src/test/resources/routes-failing/*.yaml")
class FailureLoggingTest {

    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Autowired
    ProducerTemplate producer;

    @Test
    void aFailureIsOneLineWithRouteReasonAndTrace(CapturedOutput output) {
        Exchange failed = producer.request("direct:always-failing",
                exchange -> exchange.getMessage().setHeader("traceparent", TRACEPARENT));

        assertThat(failed.getException()).hasMessage("the payment service said no");
        String log = output.getOut().substring(output.getOut().indexOf("Started FailureLoggingTest"));
        assertThat(log.lines().filter(line -> line.contains("always-failing")))
                .containsExactly(log.lines().filter(line -> line.contains("Route 'always-failing' failed:"
                        + " IllegalStateException: the payment service said no (trace 0af7651916cd43dd8448eb211c80319c)"))
                        .findFirst().orElseThrow(() -> new AssertionError("no failure line in:\n" + log)));
        assertThat(log).doesNotContain("Message History").doesNotContain("Stacktrace")
                .doesNotContain("at org.apache.camel");
    }
}

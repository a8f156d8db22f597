package io.interchange.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IngressHeadersTest {

    private static final DefaultCamelContext CAMEL = new DefaultCamelContext();

    private final IngressHeaders kafka = IngressHeaders.of(IngressHeaders.KAFKA, "x-tenant,x-team-*");

    @ParameterizedTest
    @ValueSource(strings = {"ce_id", "CE_ID", "content-type", "traceparent", "tracestate", "x-tenant", "X-TEAM-a"})
    void admitsTheBindingTraceContextAndWhatTheRouteDeclares(String name) {
        assertThat(kafka.admits(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.OVERRIDE_TOPIC", "KAFKA.override_topic", "kafka.KEY", "CamelSpringRabbitmqRoutingOverrideKey",
            "camelawssqsdelayseconds", "InterchangeMessageGroupId", "interchangemessagededuplicationid", "CC", "bcc",
            "Long-Running-Action", "x-other", "cloudEvents:id", "interchange-key", "sqs.QUEUE"})
    void dropsEverythingElse(String name) {
        assertThat(kafka.admits(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.OVERRIDE_TOPIC", "KAFKA.*", "camel*", "InterchangeRoutingKey", "CC", "Long-Running-Action",
            "x-delay", "sqs.*"})
    void aRouteCannotAskForAControlHeader(String declared) {
        assertThatThrownBy(() -> IngressHeaders.of(IngressHeaders.SQS, declared))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steer a component");
    }

    @Test
    void aControlHeaderIsNeverAdmittedEvenUnderABroadPrefix() {
        IngressHeaders broad = IngressHeaders.of(IngressHeaders.AMQP, "x-*,in*");
        assertThat(broad.admits("x-tenant")).isTrue();
        assertThat(broad.admits("x-delay")).isFalse();
        assertThat(broad.admits("InterchangeRoutingKey")).isFalse();
        assertThat(broad.admits("interchange-dlq-reason")).isTrue();
    }

    @Test
    void repeatsAndBytesThatAreNotUtf8AreProblemsAndTheFirstValueStays() {
        Exchange exchange = new DefaultExchange(CAMEL);
        IngressHeaders.Admission admission = kafka.admit(exchange.getMessage());
        admission.putText("ce_id", "first".getBytes(StandardCharsets.UTF_8));
        admission.putText("ce_id", "second".getBytes(StandardCharsets.UTF_8));
        admission.putText("CE_Id", "third".getBytes(StandardCharsets.UTF_8));
        admission.putText("ce_subject", new byte[] {'a', (byte) 0xc3, 0x28});
        admission.putText("ce_type", "ünïcödé".getBytes(StandardCharsets.UTF_8));
        admission.putText("kafka.OVERRIDE_TOPIC", "hijacked".getBytes(StandardCharsets.UTF_8));
        admission.finish(exchange);

        assertThat(exchange.getMessage().getHeader("ce_id")).isEqualTo("first");
        assertThat(exchange.getMessage().getHeader("ce_type")).isEqualTo("ünïcödé");
        assertThat(exchange.getMessage().getHeader("ce_subject")).isInstanceOf(byte[].class);
        assertThat(exchange.getMessage().getHeaders()).doesNotContainKey("kafka.OVERRIDE_TOPIC");
        assertThat(IngressHeaders.problems(exchange)).extracting(IngressHeaders.Problem::text).containsExactly(
                "header 'ce_id' appears more than once", "headers 'ce_id' and 'CE_Id' differ only in letter case",
                "header 'ce_subject' is not valid UTF-8");
    }

    @Test
    void aCleanMessageHasNoProblems() {
        Exchange exchange = new DefaultExchange(CAMEL);
        IngressHeaders.Admission admission = kafka.admit(exchange.getMessage());
        admission.put("ce_id", "1");
        admission.finish(exchange);
        assertThat(IngressHeaders.problems(exchange)).isEmpty();
        assertThat(exchange.getProperties()).doesNotContainKey(IngressHeaders.PROBLEMS_PROPERTY);
    }
}

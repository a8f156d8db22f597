package io.interchange.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.interchange.security.IngressHeaders;

/** Every event of the malformed corpus is rejected with a violation that says precisely why. */
class MalformedEventsTest {

    private static final DefaultCamelContext CAMEL = new DefaultCamelContext();

    private final CloudEventCodec codec = new CloudEventCodec(CloudEventLimits.DEFAULT);

    static List<MalformedEvents.Case> corpus() {
        return MalformedEvents.all();
    }

    @Test
    void theCorpusHasAtLeastThirtyCases() {
        assertThat(corpus()).hasSizeGreaterThanOrEqualTo(30);
    }

    static List<MalformedEvents.Case> everyBinding() {
        List<MalformedEvents.Case> all = new java.util.ArrayList<>(MalformedEvents.all());
        all.addAll(MalformedEvents.amqp());
        all.addAll(MalformedEvents.sqs());
        return all;
    }

    /** Each case as a source hands it over: wire headers admitted (repeats and bytes judged), then read. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("everyBinding")
    void isRejectedWithAPreciseReason(MalformedEvents.Case malformed) {
        Exchange exchange = new DefaultExchange(CAMEL);
        Message message = exchange.getMessage();
        IngressHeaders.Admission admission = IngressHeaders.of(IngressHeaders.KAFKA + "," + IngressHeaders.AMQP
                + ",Content-Type").admit(message);
        for (Map.Entry<String, Object> header : malformed.wire()) {
            if (header.getValue() instanceof byte[] bytes && malformed.binding() != HeaderBinding.SQS) {
                admission.putText(header.getKey(), bytes);
            } else {
                admission.put(header.getKey(), header.getValue());
            }
        }
        admission.finish(exchange);
        InvalidCloudEventException e = catchThrowableOfType(InvalidCloudEventException.class,
                () -> codec.read(message.getHeaders(), malformed.body(), malformed.binding(), IngressHeaders.problems(exchange)));
        assertThat(e).as(malformed.name()).isNotNull();
        assertThat(e.getViolations()).as(malformed.name()).anySatisfy(v -> assertThat(v).contains(malformed.reason()));
    }

    @Test
    void anAmqpBinaryExtensionIsReadAsItsBase64StringAndTypedValuesKeepTheirType() {
        Map<String, Object> headers = MalformedEvents.validAmqpHeaders("typed");
        headers.put("cloudEvents:comexample", new byte[] {(byte) 0xff, 0, 1});
        headers.put("cloudEvents:count", 7L);
        headers.put("cloudEvents:flag", true);
        headers.put("cloudEvents:time", new java.util.Date(0));
        EventEnvelope event = codec.read(headers, MalformedEvents.validData("typed"), HeaderBinding.AMQP).event();
        assertThat(event.attributes()).containsEntry("comexample", "/wAB").containsEntry("count", 7)
                .containsEntry("flag", true).containsEntry("time", "1970-01-01T00:00:00Z");
    }

    @Test
    void aValidEventWithEveryOptionalAttributeIsAccepted() {
        var headers = MalformedEvents.validKafkaHeaders("ok");
        headers.put("ce_subject", "order-1");
        headers.put("ce_dataschema", "https://example.com/schemas/order.json");
        headers.put("ce_time", "2026-01-25T10:30:00.123456789+01:00");
        headers.put("ce_traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        headers.put("ce_tracestate", "congo=t61rcWkgMzE");
        headers.put("ce_correlationid", "c-1");
        headers.put("ce_abcdefghijklmnopqrst", "twenty characters");
        EventEnvelope event = codec.read(headers, MalformedEvents.validData("ok"), null).event();
        assertThat(event.attributes()).hasSize(12);
    }

    @Test
    void aStructuredEventWithOnlyTheRequiredAttributesIsAccepted() {
        byte[] json = MalformedEvents.validStructured("ok", "").getBytes(StandardCharsets.UTF_8);
        assertThat(codec.read(java.util.Map.of("content-type", MalformedEvents.STRUCTURED), json, null).event().data())
                .isNull();
    }

    @Test
    void reportsEveryViolationNotOnlyTheFirst() {
        var headers = MalformedEvents.validKafkaHeaders("");
        headers.put("ce_specversion", "0.3");
        headers.put("ce_time", "yesterday");
        InvalidCloudEventException e = catchThrowableOfType(InvalidCloudEventException.class,
                () -> codec.read(headers, null, null));
        assertThat(e.getViolations()).containsExactly("required attribute 'id' is empty",
                "specversion must be '1.0', was '0.3'", "time 'yesterday' is not an RFC 3339 timestamp");
    }
}

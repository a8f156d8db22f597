package io.interchange.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every event of the malformed corpus is rejected with a violation that says precisely why. */
class MalformedEventsTest {

    private final CloudEventCodec codec = new CloudEventCodec(CloudEventLimits.DEFAULT);

    static List<MalformedEvents.Case> corpus() {
        return MalformedEvents.all();
    }

    @Test
    void theCorpusHasAtLeastThirtyCases() {
        assertThat(corpus()).hasSizeGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRejectedWithAPreciseReason(MalformedEvents.Case malformed) {
        InvalidCloudEventException e = catchThrowableOfType(InvalidCloudEventException.class,
                () -> codec.read(malformed.headers(), malformed.body(), null));
        assertThat(e).as(malformed.name()).isNotNull();
        assertThat(e.getViolations()).as(malformed.name()).anySatisfy(v -> assertThat(v).contains(malformed.reason()));
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

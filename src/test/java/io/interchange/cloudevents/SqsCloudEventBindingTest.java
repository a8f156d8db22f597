package io.interchange.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The gateway's SQS mapping: String message attributes ce_*, content-type, and the 10-attribute limit. */
class SqsCloudEventBindingTest {

    private final CloudEventCodec codec = new CloudEventCodec(CloudEventLimits.DEFAULT);

    @Test
    void mapsEveryAttributeToAStringMessageAttribute() {
        EventEnvelope event = event(1, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        Map<String, String> attributes = SqsCloudEventBinding.binary(event, 10).orElseThrow();
        assertThat(attributes).containsEntry("ce_specversion", "1.0").containsEntry("ce_id", "id-1")
                .containsEntry("ce_source", "/orders").containsEntry("ce_type", "com.example.orders.order.created")
                .containsEntry("content-type", "application/json").containsEntry("ce_ext0", "v0")
                .containsEntry("ce_count", "7").hasSize(7);
        assertThat(attributes.keySet()).allMatch(n -> n.matches("[A-Za-z0-9_.-]{1,256}"));
    }

    @Test
    void anEventThatNeedsMoreThanTenAttributesIsWrittenStructured() {
        EventEnvelope fits = event(4, JSON);
        EventEnvelope tooMany = event(5, JSON);
        assertThat(SqsCloudEventBinding.binary(fits, 10)).get().extracting(Map::size).isEqualTo(10);
        assertThat(SqsCloudEventBinding.binary(tooMany, 10)).isEmpty();

        CloudEventCodec.Written written = codec.write(tooMany, HeaderBinding.SQS, ContentMode.BINARY, false, 10);
        assertThat(written.mode()).isEqualTo(ContentMode.STRUCTURED);
        assertThat(written.headers()).isEqualTo(Map.of("content-type", "application/cloudevents+json; charset=UTF-8"));
        assertThat(codec.read(written.headers(), written.body(), HeaderBinding.SQS).event()).isEqualTo(tooMany);
    }

    @Test
    void aLowerBudgetLeavesRoomForTheRoutesOwnAttributes() {
        assertThat(SqsCloudEventBinding.binary(event(4, JSON), 8)).isEmpty();
    }

    @Test
    void anEventWithoutDataGoesStructuredBecauseAnSqsBodyIsNeverEmpty() {
        EventEnvelope empty = event(0, null);
        assertThat(SqsCloudEventBinding.binary(empty, 10)).isEmpty();
        CloudEventCodec.Written written = codec.write(empty, HeaderBinding.SQS, ContentMode.BINARY, false, 10);
        assertThat(written.mode()).isEqualTo(ContentMode.STRUCTURED);
        assertThat(written.body()).isNotEmpty();
        assertThat(codec.read(written.headers(), written.body(), HeaderBinding.SQS).event()).isEqualTo(empty);
    }

    @Test
    void dataThatIsNotTextGoesStructuredAsBase64() {
        EventEnvelope binary = event(0, new byte[] {0, 1, (byte) 0xfe});
        assertThat(SqsCloudEventBinding.binary(binary, 10)).isEmpty();
        CloudEventCodec.Written written = codec.write(binary, HeaderBinding.SQS, ContentMode.BINARY, false, 10);
        assertThat(new String(written.body(), StandardCharsets.UTF_8)).contains("\"data_base64\":\"AAH+\"");
        assertThat(codec.read(written.headers(), written.body(), HeaderBinding.SQS).event().data())
                .isEqualTo(new byte[] {0, 1, (byte) 0xfe});
    }

    @Test
    void textThatAnSqsBodyCannotHoldGoesStructuredWithTheNoncharactersEscaped() {
        // U+FFFE and U+FFFF are valid Unicode, and valid UTF-8, but no character an SQS body or attribute may hold.
        EventEnvelope inData = event(0, "nonchar \uFFFE and \uFFFF".getBytes(StandardCharsets.UTF_8));
        EventEnvelope inAttribute = event(0, "hello".getBytes(StandardCharsets.UTF_8)).withAttribute("subject", "order-\uFFFF");
        for (EventEnvelope event : java.util.List.of(inData, inAttribute)) {
            assertThat(SqsCloudEventBinding.binary(event, 10)).isEmpty();
            CloudEventCodec.Written written = codec.write(event, HeaderBinding.SQS, ContentMode.BINARY, false, 10);
            assertThat(written.mode()).isEqualTo(ContentMode.STRUCTURED);
            String body = new String(written.body(), StandardCharsets.UTF_8);
            assertThat(body).doesNotContain("\uFFFE", "\uFFFF").contains("\\uffff");
            assertThat(codec.read(written.headers(), written.body(), HeaderBinding.SQS).event()).isEqualTo(event);
        }
    }

    @Test
    void binaryModeMessageAttributesAreReadBack() {
        EventEnvelope event = event(1, "hello".getBytes(StandardCharsets.UTF_8));
        Map<String, Object> received = new LinkedHashMap<>(SqsCloudEventBinding.binary(event, 10).orElseThrow());
        EventEnvelope read = codec.read(received, "hello".getBytes(StandardCharsets.UTF_8), HeaderBinding.SQS).event();
        assertThat(read.attributes()).containsEntry("count", "7");
        assertThat(read.data()).isEqualTo(event.data());
    }

    private static final byte[] JSON = "{}".getBytes(StandardCharsets.UTF_8);

    private static EventEnvelope event(int extensions, byte[] data) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("specversion", "1.0");
        attributes.put("id", "id-1");
        attributes.put("source", "/orders");
        attributes.put("type", "com.example.orders.order.created");
        attributes.put("datacontenttype", "application/json");
        attributes.put("count", 7);
        for (int i = 0; i < extensions; i++) {
            attributes.put("ext" + i, "v" + i);
        }
        if (data != null && data.length > 0 && data[0] == 0) {
            attributes.put("datacontenttype", "application/octet-stream");
        } else if (data != null && data[0] != '{') {
            attributes.put("datacontenttype", "text/plain");
        }
        return new EventEnvelope(attributes, data);
    }
}

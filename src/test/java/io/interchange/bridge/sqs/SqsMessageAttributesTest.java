package io.interchange.bridge.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.interchange.security.HeaderAllowList;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

class SqsMessageAttributesTest {

    private static final HeaderAllowList DEFAULT = HeaderAllowList.parse(HeaderAllowList.DEFAULT);

    @Test
    void sendsAllowListedHeadersWithSqsTypesAndNeverCamelOrControlHeaders() {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("ce_id", "e-1");
        headers.put("ce_sequence", 7);
        headers.put("traceparent", new byte[] {1, 2});
        headers.put("x-private", "no");
        headers.put("CamelAwsSqsMessageId", "no");
        headers.put("ce_empty", "");
        headers.put(SqsHeaders.MESSAGE_GROUP_ID, "g");

        Map<String, MessageAttributeValue> attributes = SqsMessageAttributes.from(headers, HeaderAllowList.parse(
                HeaderAllowList.DEFAULT + ",camel*,InterchangeMessageGroupId"));

        assertThat(attributes).containsOnlyKeys("ce_id", "ce_sequence", "traceparent");
        assertThat(attributes.get("ce_id").dataType()).isEqualTo("String");
        assertThat(attributes.get("ce_sequence").dataType()).isEqualTo("Number");
        assertThat(attributes.get("ce_sequence").stringValue()).isEqualTo("7");
        assertThat(attributes.get("traceparent").dataType()).isEqualTo("Binary");
    }

    @Test
    void mapsOrSkipsNamesSqsDoesNotAccept() {
        assertThat(SqsMessageAttributes.sqsName("cloudEvents:id")).isEqualTo("cloudEvents_id");
        assertThat(SqsMessageAttributes.sqsName("content-type")).isEqualTo("content-type");
        assertThat(SqsMessageAttributes.sqsName("AWS.trace")).isNull();
        assertThat(SqsMessageAttributes.sqsName("amazon.x")).isNull();
        assertThat(SqsMessageAttributes.sqsName(".a")).isNull();
        assertThat(SqsMessageAttributes.sqsName("a..b")).isNull();
        assertThat(SqsMessageAttributes.sqsName("a".repeat(257))).isNull();
    }

    @Test
    void sendsAtMostTenInNameOrder() {
        Map<String, Object> headers = new LinkedHashMap<>();
        for (int i = 11; i >= 0; i--) {
            headers.put(String.format("ce_x%02d", i), "v");
        }

        assertThat(SqsMessageAttributes.from(headers, DEFAULT).keySet())
                .hasSize(10).startsWith("ce_x00").endsWith("ce_x09");
    }

    @Test
    void countsNameTypeAndValueTowardsTheSizeLimit() {
        Map<String, MessageAttributeValue> attributes = SqsMessageAttributes.from(Map.of("ce_id", "abc"), DEFAULT);

        assertThat(SqsMessageAttributes.size(attributes)).isEqualTo("ce_id".length() + "String".length() + 3);
    }
}

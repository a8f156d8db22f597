package io.interchange.bridge.sqs;

import java.util.LinkedHashMap;
import java.util.Map;

import io.interchange.security.HeaderAllowList;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** The message attributes the SQS sink sends for a message's headers, for tests that replace the sink. */
public final class SqsSinkAttributes {

    private SqsSinkAttributes() {
    }

    /**
     * @param allowedHeaders the sink's option of that name, null for its default
     * @return attribute name to value: text for String and Number attributes, bytes for Binary ones
     */
    public static Map<String, Object> of(Map<String, Object> headers, String allowedHeaders) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        SqsMessageAttributes.from(headers, HeaderAllowList.parse(allowedHeaders == null ? HeaderAllowList.DEFAULT : allowedHeaders))
                .forEach((name, value) -> attributes.put(name, attributeValue(value)));
        return attributes;
    }

    private static Object attributeValue(MessageAttributeValue value) {
        return value.binaryValue() != null ? value.binaryValue().asByteArray() : value.stringValue();
    }
}

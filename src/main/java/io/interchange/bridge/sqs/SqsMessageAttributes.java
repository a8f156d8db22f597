package io.interchange.bridge.sqs;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.interchange.security.HeaderAllowList;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Turns allow-listed exchange headers into SQS message attributes within SQS's rules: at most 10,
 * names of {@code [A-Za-z0-9_.-]} (other characters become {@code _}, so {@code cloudEvents:id}
 * is sent as {@code cloudEvents_id}), at most 256 characters, not starting with {@code AWS.} or
 * {@code Amazon.}, no leading, trailing or doubled dot, no empty value. Headers are taken in
 * name order; one that breaks a rule, maps onto a name already taken or comes after the tenth is
 * left out. Strings and booleans go as {@code String}, numbers as {@code Number}, byte arrays as
 * {@code Binary}.
 */
final class SqsMessageAttributes {

    static final int MAX_ATTRIBUTES = 10;

    private static final Pattern INVALID_CHARACTERS = Pattern.compile("[^A-Za-z0-9_.-]");

    private SqsMessageAttributes() {
    }

    static Map<String, MessageAttributeValue> from(Map<String, Object> headers, HeaderAllowList allowList) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> header : new TreeMap<>(headers).entrySet()) {
            if (attributes.size() == MAX_ATTRIBUTES) {
                break;
            }
            String name = header.getKey();
            if (isControlHeader(name) || !allowList.allows(name)) {
                continue;
            }
            String sqsName = sqsName(name);
            MessageAttributeValue value = value(header.getValue());
            if (sqsName != null && value != null && !attributes.containsKey(sqsName)) {
                attributes.put(sqsName, value);
            }
        }
        return attributes;
    }

    /** Bytes SQS counts for the attributes: name, data type and value of each. */
    static int size(Map<String, MessageAttributeValue> attributes) {
        int size = 0;
        for (Map.Entry<String, MessageAttributeValue> attribute : attributes.entrySet()) {
            MessageAttributeValue value = attribute.getValue();
            size += utf8Length(attribute.getKey()) + utf8Length(value.dataType());
            size += value.binaryValue() != null ? value.binaryValue().asByteArray().length : utf8Length(value.stringValue());
        }
        return size;
    }

    /** The SQS name for a header, or null if it cannot be one. */
    static String sqsName(String header) {
        String name = INVALID_CHARACTERS.matcher(header).replaceAll("_");
        String lower = name.toLowerCase(Locale.ROOT);
        if (name.isEmpty() || name.length() > 256 || lower.startsWith("aws.") || lower.startsWith("amazon.")
                || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            return null;
        }
        return name;
    }

    private static boolean isControlHeader(String name) {
        return name.equals(SqsHeaders.MESSAGE_GROUP_ID) || name.equals(SqsHeaders.MESSAGE_DEDUPLICATION_ID)
                || name.startsWith("sqs.") || name.startsWith("kafka.");
    }

    private static MessageAttributeValue value(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes.length == 0 ? null
                    : MessageAttributeValue.builder().dataType("Binary").binaryValue(SdkBytes.fromByteArray(bytes)).build();
        }
        if (value instanceof Number number) {
            return MessageAttributeValue.builder().dataType("Number").stringValue(number.toString()).build();
        }
        if (value == null || value.toString().isEmpty()) {
            return null;
        }
        return MessageAttributeValue.builder().dataType("String").stringValue(value.toString()).build();
    }

    private static int utf8Length(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
}

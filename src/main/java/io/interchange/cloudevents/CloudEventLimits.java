package io.interchange.cloudevents;

/**
 * Bounds on what one event may carry, so that a hostile or broken producer cannot make the gateway
 * spend unbounded memory or time on one message.
 *
 * @param maxAttributes        attributes per event, the required ones included
 * @param maxAttributeLength   characters in one attribute value
 * @param maxAttributesLength  characters in all attribute values together
 * @param maxJsonDocumentBytes bytes of a structured event, or of JSON data that is checked
 * @param maxJsonDepth         nesting depth of objects and arrays in JSON
 * @param maxJsonStringLength  characters of one JSON string (data included)
 */
public record CloudEventLimits(int maxAttributes, int maxAttributeLength, int maxAttributesLength,
        long maxJsonDocumentBytes, int maxJsonDepth, int maxJsonStringLength) {

    public static final CloudEventLimits DEFAULT = new CloudEventLimits(32, 2048, 16_384, 4L * 1024 * 1024, 64,
            4 * 1024 * 1024);

    public CloudEventLimits {
        if (maxAttributes < 4 || maxAttributeLength < 1 || maxAttributesLength < 1 || maxJsonDocumentBytes < 1
                || maxJsonDepth < 1 || maxJsonStringLength < 1) {
            throw new IllegalArgumentException("CloudEvent limits must be positive and allow the 4 required attributes");
        }
    }
}

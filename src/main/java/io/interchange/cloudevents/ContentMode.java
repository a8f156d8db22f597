package io.interchange.cloudevents;

/** How a message carries an event: attributes in headers and data as body, or the whole event as the body. */
public enum ContentMode {
    BINARY, STRUCTURED
}

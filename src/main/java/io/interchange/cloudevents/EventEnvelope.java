package io.interchange.cloudevents;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One CloudEvent as the gateway holds it between a read and a write step: its context attributes
 * (spec names, values as String, Integer or Boolean exactly as received, so a time or URI keeps its
 * original spelling) and its data as bytes, or {@code null} when the event has no data.
 */
public record EventEnvelope(Map<String, Object> attributes, byte[] data) {

    public EventEnvelope {
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    public String string(String name) {
        Object value = attributes.get(name);
        return value == null ? null : value.toString();
    }

    public String dataContentType() {
        return string(CloudEventAttributes.DATACONTENTTYPE);
    }

    public EventEnvelope withAttribute(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(attributes);
        copy.put(name, value);
        return new EventEnvelope(copy, data);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EventEnvelope e && attributes.equals(e.attributes) && Arrays.equals(data, e.data);
    }

    @Override
    public int hashCode() {
        return attributes.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "EventEnvelope" + attributes + (data == null ? " (no data)" : " (" + data.length + " data bytes)");
    }
}

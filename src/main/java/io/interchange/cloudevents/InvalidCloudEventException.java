package io.interchange.cloudevents;

import java.util.List;

import io.interchange.bridge.UndeliverableException;

/**
 * A message that is not a valid CloudEvent 1.0, with every rule it breaks. Sending it again cannot
 * make it valid, so error handling sends it to the dead-letter destination without retries; the
 * violations go along in the {@value CloudEventAttributes#VIOLATIONS_HEADER} header.
 */
public class InvalidCloudEventException extends UndeliverableException {

    private final List<String> violations;

    public InvalidCloudEventException(List<String> violations) {
        super("Invalid CloudEvent: " + String.join("; ", violations));
        this.violations = List.copyOf(violations);
    }

    public List<String> getViolations() {
        return violations;
    }

    /** The violations in one line, for a header. */
    public String getViolationSummary() {
        return String.join("; ", violations);
    }
}

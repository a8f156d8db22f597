package io.interchange.cloudevents;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CloudEvents 1.0 attribute names and the neutral exchange headers that carry them between a read
 * (or wrap) step and a write step: {@code ce-<attribute>}, for example {@code ce-id},
 * {@code ce-correlationid}. The data travels as the message body.
 */
public final class CloudEventAttributes {

    public static final String SPECVERSION = "specversion";
    public static final String ID = "id";
    public static final String SOURCE = "source";
    public static final String TYPE = "type";
    public static final String DATACONTENTTYPE = "datacontenttype";
    public static final String DATASCHEMA = "dataschema";
    public static final String SUBJECT = "subject";
    public static final String TIME = "time";

    public static final String CORRELATIONID = "correlationid";
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    public static final String PARTITIONKEY = "partitionkey";

    public static final String SPEC_VERSION_1_0 = "1.0";

    /** Required attributes, in the order structured events are written. */
    public static final List<String> REQUIRED = List.of(SPECVERSION, ID, SOURCE, TYPE);

    /** Attributes the spec defines; every other attribute is an extension. */
    public static final List<String> CONTEXT = List.of(SPECVERSION, ID, SOURCE, TYPE, DATACONTENTTYPE, DATASCHEMA,
            SUBJECT, TIME);

    /** Member names of the JSON format that are not attributes. */
    static final Set<String> JSON_DATA_MEMBERS = Set.of("data", "data_base64");

    /** Prefix of the neutral headers: {@code ce-id}, {@code ce-source}, ... */
    public static final String HEADER_PREFIX = "ce-";

    private static final PrefixedNames NEUTRAL_NAMES = new PrefixedNames(HEADER_PREFIX);

    /** Set on the dead-letter message: the violations of an invalid event, separated by "; ". */
    public static final String VIOLATIONS_HEADER = "interchange-ce-violations";

    private CloudEventAttributes() {
    }

    public static String header(String attribute) {
        return NEUTRAL_NAMES.of(attribute);
    }

    /** The attribute a neutral header carries, or null when the header is not one. */
    public static String attributeOfHeader(String header) {
        if (!isAttributeHeader(header)) {
            return null;
        }
        return header.substring(HEADER_PREFIX.length()).toLowerCase(Locale.ROOT);
    }

    /** Whether a header is a neutral {@code ce-<attribute>} header (no allocation: called per header per message). */
    public static boolean isAttributeHeader(String header) {
        return header != null && header.length() > HEADER_PREFIX.length()
                && header.regionMatches(true, 0, HEADER_PREFIX, 0, HEADER_PREFIX.length());
    }

    public static boolean isExtension(String attribute) {
        return !CONTEXT.contains(attribute);
    }
}

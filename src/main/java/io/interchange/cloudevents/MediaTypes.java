package io.interchange.cloudevents;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** What a content type says about a CloudEvent message and its data. */
final class MediaTypes {

    /** The JSON event format, as written by structured-mode write steps. */
    static final String STRUCTURED_JSON = "application/cloudevents+json; charset=UTF-8";

    private static final String CLOUDEVENTS_PREFIX = "application/cloudevents";

    /** RFC 2045 type "/" subtype, optionally followed by parameters. */
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[A-Za-z0-9!#$&^_.+-]{1,127}/[A-Za-z0-9!#$&^_.+-]{1,127}(\\s*;.*)?", Pattern.DOTALL);

    /** What the validator asks of a content type, per distinct content type (a stream uses one or a few). */
    record Facts(boolean valid, boolean json, boolean declaresUtf8) {
    }

    /** Bounded, so distinct content types from a hostile producer cost only the uncached checks. */
    private static final int MAX_REMEMBERED = 256;
    private static final Map<String, Facts> FACTS = new ConcurrentHashMap<>();

    private MediaTypes() {
    }

    static Facts facts(String contentType) {
        Facts facts = FACTS.get(contentType);
        if (facts == null) {
            boolean valid = isSyntacticallyValid(contentType);
            facts = new Facts(valid, valid && isJson(contentType), valid && declaresUtf8(contentType));
            if (FACTS.size() < MAX_REMEMBERED) {
                FACTS.put(contentType, facts);
            }
        }
        return facts;
    }

    static boolean isSyntacticallyValid(String contentType) {
        return MEDIA_TYPE.matcher(contentType.strip()).matches();
    }

    /** type/subtype in lower case, without parameters. */
    static String essence(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /** Content type of a structured-mode message (any event format). */
    static boolean isStructured(String contentType) {
        return contentType != null && contentType.strip().toLowerCase(Locale.ROOT).startsWith(CLOUDEVENTS_PREFIX);
    }

    static boolean isStructuredJson(String contentType) {
        String essence = essence(contentType);
        return essence.equals("application/cloudevents+json");
    }

    /** {@code * /json} or {@code * /*+json}, as the JSON format defines JSON-formatted data; absent means JSON. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return true;
        }
        String essence = essence(contentType);
        int slash = essence.indexOf('/');
        String subtype = slash < 0 ? essence : essence.substring(slash + 1);
        return subtype.equals("json") || subtype.endsWith("+json");
    }

    /** Data that a structured event carries as a JSON string (when it is valid UTF-8) instead of base64. */
    static boolean isText(String contentType) {
        if (contentType == null) {
            return false;
        }
        String lower = contentType.toLowerCase(Locale.ROOT);
        String essence = essence(contentType);
        return essence.startsWith("text/") || essence.endsWith("/xml") || essence.endsWith("+xml")
                || lower.contains("charset=");
    }

    /** True when the parameters declare UTF-8 (or US-ASCII, a subset). */
    static boolean declaresUtf8(String contentType) {
        String lower = contentType.toLowerCase(Locale.ROOT).replace(" ", "");
        return lower.contains("charset=utf-8") || lower.contains("charset=\"utf-8\"") || lower.contains("charset=us-ascii");
    }
}

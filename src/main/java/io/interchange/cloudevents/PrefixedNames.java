package io.interchange.cloudevents;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Header names made of a prefix and an attribute name, made once per attribute: every event of a stream has the
 * same few attributes, and a new string per header per event was a visible share of the read and write steps
 * (allocated, then hashed again by every map it went into). Bounded: attribute names from a hostile producer
 * beyond the limit are only concatenated, not remembered.
 */
final class PrefixedNames {

    private static final int MAX_REMEMBERED = 256;

    private final String prefix;
    private final Map<String, String> names = new ConcurrentHashMap<>();

    PrefixedNames(String prefix) {
        this.prefix = prefix;
    }

    String of(String attribute) {
        String name = names.get(attribute);
        if (name == null) {
            name = prefix + attribute;
            if (names.size() < MAX_REMEMBERED) {
                names.putIfAbsent(attribute, name);
            }
        }
        return name;
    }
}

package io.interchange.routetests;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A value read from a route test file together with where it is ({@code tests[2].expect.orders-to-sqs[0]}),
 * so that every problem with the file names its place and what would have been accepted.
 */
record TestFileNode(Object value, String path) {

    /** A test file that does not say what it means: named by its place in the file. */
    static final class InvalidTestFileException extends RuntimeException {
        InvalidTestFileException(String message) {
            super(message);
        }
    }

    InvalidTestFileException invalid(String problem) {
        return new InvalidTestFileException(path + ": " + problem);
    }

    boolean isNull() {
        return value == null;
    }

    boolean isMap() {
        return value instanceof Map<?, ?>;
    }

    boolean isList() {
        return value instanceof List<?>;
    }

    boolean isScalar() {
        return value != null && !isMap() && !isList();
    }

    /** The entries of a map whose keys must be among {@code known}. */
    Map<String, TestFileNode> map(Collection<String> known) {
        Map<String, TestFileNode> entries = map();
        for (String key : entries.keySet()) {
            if (!known.contains(key)) {
                throw invalid("unknown key '" + key + "'; known here: " + String.join(", ", new TreeSet<>(known)));
            }
        }
        return entries;
    }

    /** The entries of a map, in file order. */
    Map<String, TestFileNode> map() {
        if (!(value instanceof Map<?, ?> raw)) {
            throw invalid("expected a map of keys and values, found " + describe());
        }
        Map<String, TestFileNode> entries = new LinkedHashMap<>();
        raw.forEach((key, child) -> entries.put(String.valueOf(key), new TestFileNode(child, join(String.valueOf(key)))));
        return entries;
    }

    List<TestFileNode> list() {
        if (!(value instanceof List<?> raw)) {
            throw invalid("expected a list, found " + describe());
        }
        List<TestFileNode> items = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            items.add(new TestFileNode(raw.get(i), path + "[" + i + "]"));
        }
        return items;
    }

    /** A list, or a single item standing for a list of one. */
    List<TestFileNode> listOrOne() {
        return isList() ? list() : List.of(this);
    }

    String text() {
        if (!isScalar()) {
            throw invalid("expected a single value, found " + describe());
        }
        return value.toString();
    }

    int integer() {
        if (value instanceof Integer i) {
            return i;
        }
        throw invalid("expected a whole number, found " + describe());
    }

    boolean bool() {
        if (value instanceof Boolean b) {
            return b;
        }
        throw invalid("expected true or false, found " + describe());
    }

    /** One of a few words. */
    String word(Set<String> allowed) {
        String word = text();
        if (!allowed.contains(word)) {
            throw invalid("expected one of " + String.join(", ", new TreeSet<>(allowed)) + ", found '" + word + "'");
        }
        return word;
    }

    private String join(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String describe() {
        if (value == null) {
            return "nothing";
        }
        if (isMap()) {
            return "a map";
        }
        if (isList()) {
            return "a list";
        }
        return "'" + value + "'";
    }
}

package io.interchange.chaos;

import java.nio.charset.StandardCharsets;

/**
 * The records of one run: record {@code i} of {@code count} has key {@code key-(i % keys)} and sequence number
 * {@code i / keys} within its key, so records of a key are produced in sequence order. Each is a CloudEvent with a
 * unique id, data {@code "<run> <i>"} (text/plain), so the sink knows which record of which run arrived.
 */
record Records(String run, int count, int keys) {

    Records {
        if (count < 1 || keys < 1 || run.contains(" ")) {
            throw new IllegalArgumentException("run without spaces, count and keys > 0");
        }
    }

    String key(int index) {
        return "key-" + (index % keys);
    }

    int keyNumber(int index) {
        return index % keys;
    }

    int sequence(int index) {
        return index / keys;
    }

    String id(int index) {
        return run + "-" + index;
    }

    String data(int index) {
        return run + " " + index;
    }

    byte[] body(int index) {
        return data(index).getBytes(StandardCharsets.UTF_8);
    }

    /** The record a body names, or -1 when it is not a record of this run. */
    int index(byte[] body) {
        return index(new String(body, StandardCharsets.UTF_8));
    }

    int index(String body) {
        int space = body.indexOf(' ');
        if (space < 0 || !body.regionMatches(0, run, 0, space) || space != run.length()) {
            return -1;
        }
        try {
            int index = Integer.parseInt(body.substring(space + 1));
            return index >= 0 && index < count ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The CloudEvent source attribute of this run's events. */
    String source() {
        return "/interchange/chaos/" + run;
    }

    static final String TYPE = "io.interchange.chaos.record";
}

package io.interchange.bridge;

/** A wait that doubles with each attempt, from {@code initial} up to {@code max} (any unit, the caller's). */
public record Backoff(long initial, long max) {

    /** The wait before attempt {@code attempt} (1 for the first retry). */
    public long after(int attempt) {
        return Math.min(max, initial << Math.min(Math.max(attempt - 1, 0), 20));
    }
}

package io.interchange.bridge.kafka;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The offsets of one partition that were handed to the route and have not all completed. Records
 * complete in any order (confirms are pipelined); the offset to commit is the one after the longest
 * run of completed records from the oldest, so a commit never passes a record that is still in
 * flight or failed. Thread-safe: the poll thread dispatches, sink threads complete.
 */
final class PartitionProgress {

    private final ArrayDeque<Long> dispatched = new ArrayDeque<>();
    private final Set<Long> completed = new HashSet<>();
    private long committable = -1;
    private long lowestFailed = -1;
    private int outstanding;

    synchronized void dispatched(long offset) {
        dispatched.addLast(offset);
        outstanding++;
    }

    /** Marks a record done; a failed one holds the commit point back and is reported by {@link #failedOffset()}. */
    synchronized void completed(long offset, boolean failed) {
        outstanding--;
        if (failed) {
            if (lowestFailed < 0 || offset < lowestFailed) {
                lowestFailed = offset;
            }
            return;
        }
        completed.add(offset);
        while (!dispatched.isEmpty() && completed.remove(dispatched.peekFirst())) {
            committable = dispatched.pollFirst() + 1;
        }
    }

    /** The next offset to commit, if it moved since it was last taken. */
    synchronized OptionalLong takeCommittable() {
        if (committable < 0) {
            return OptionalLong.empty();
        }
        long offset = committable;
        committable = -1;
        return OptionalLong.of(offset);
    }

    /** How many dispatched records sit at or after {@code offset}: those a seek back to it reads again. */
    synchronized int dispatchedSince(long offset) {
        return (int) dispatched.stream().filter(o -> o >= offset).count();
    }

    synchronized long failedOffset() {
        return lowestFailed;
    }

    /** Records handed to the route whose outcome is not known yet. */
    synchronized int outstanding() {
        return outstanding;
    }

    /** After a seek back to the failed record: what was in flight will be read and sent again. */
    synchronized void reset() {
        dispatched.clear();
        completed.clear();
        committable = -1;
        lowestFailed = -1;
        outstanding = 0;
    }
}

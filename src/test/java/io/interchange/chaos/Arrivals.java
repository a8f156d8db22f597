package io.interchange.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every delivery at the sink, counted: distinct records, deliveries, and per key whether records arrived in
 * sequence order on their first occurrence (a record arriving after a later record of its key is one order
 * violation; its duplicates do not count).
 */
final class Arrivals {

    private final Records records;
    private final int[] deliveries;
    private final int[] lastSequence;
    private final List<String> violationExamples = new ArrayList<>();
    private int distinct;
    private long total;
    private long violations;
    private long foreign;
    private long readerRepeats;

    Arrivals(Records records) {
        this.records = records;
        this.deliveries = new int[records.count()];
        this.lastSequence = new int[records.keys()];
        Arrays.fill(lastSequence, -1);
    }

    /** One delivery of {@code body}. */
    void arrived(byte[] body) {
        arrived(records.index(body), false);
    }

    /**
     * One delivery; {@code readAgain}: the sink's reader itself may have had this very message before (a RabbitMQ
     * redelivery to the reader after its connection dropped), which is then not a duplicate the gateway made.
     */
    synchronized void arrived(int index, boolean readAgain) {
        if (index < 0) {
            foreign++;
            return;
        }
        if (readAgain && deliveries[index] > 0) {
            readerRepeats++;
            return;
        }
        total++;
        if (deliveries[index]++ > 0) {
            return;
        }
        distinct++;
        int key = records.keyNumber(index);
        int sequence = records.sequence(index);
        if (sequence < lastSequence[key]) {
            violations++;
            if (violationExamples.size() < 5) {
                violationExamples.add(records.key(index) + " #" + sequence + " after #" + lastSequence[key]);
            }
        } else {
            lastSequence[key] = sequence;
        }
    }

    synchronized int distinct() {
        return distinct;
    }

    synchronized long deliveries() {
        return total;
    }

    synchronized long duplicates() {
        return total - distinct;
    }

    synchronized long orderViolations() {
        return violations;
    }

    synchronized List<String> violationExamples() {
        return List.copyOf(violationExamples);
    }

    /** Messages at the sink that are no record of this run (nothing else writes there: should stay 0). */
    synchronized long foreign() {
        return foreign;
    }

    synchronized long readerRepeats() {
        return readerRepeats;
    }

    /** The first few records that never arrived, for the report. */
    synchronized List<Integer> missing(int limit) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < deliveries.length && missing.size() < limit; i++) {
            if (deliveries[i] == 0) {
                missing.add(i);
            }
        }
        return missing;
    }
}

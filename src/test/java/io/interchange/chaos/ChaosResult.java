package io.interchange.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one run of a direction under a fault came to. {@code problems} lists every way it broke a promise (a record
 * lost, more duplicates than the bound, any duplicate after SIGTERM only, a promised order broken, a strike the
 * gateway did not recover from, a source or sink left with messages); empty when it passed.
 */
public record ChaosResult(Direction direction, Fault fault, int records, int keys, int distinct, long deliveries,
        long orderViolations, List<String> violationExamples, List<Strike> strikes, String drain, Duration elapsed,
        long readerRepeats, long foreign, List<Integer> missing, List<String> notes) {

    /**
     * One strike of the fault: from its end (the gateway started again, the broker back, the replica gone) until the
     * gateway reported a delivery again (its interchange_bridge_completed_total grew) and until readiness was UP;
     * negative when that did not happen within the wait.
     */
    public record Strike(String what, long resumeMillis, long readyMillis) {
    }

    public long lost() {
        return records - distinct;
    }

    public long duplicates() {
        return deliveries - distinct;
    }

    /**
     * Duplicates allowed: none when the fault only stops gateways with SIGTERM, one window per strike when it kills
     * gateways; -1 (counted, not bounded) for a broker restart, where a stopping broker may persist publishes whose
     * confirm it never sends, take reconnecting clients' publishes again before it is down, and each round makes
     * the source read its window again.
     */
    public long bound() {
        if (fault.graceful()) {
            return 0;
        }
        return fault == Fault.SIGKILL ? (long) direction.window() * fault.strikes() : -1;
    }

    public boolean orderPromised() {
        return direction.promisesOrder(fault);
    }

    public List<String> problems() {
        List<String> problems = new ArrayList<>(notes);
        if (lost() > 0) {
            problems.add(lost() + " records lost (first missing: " + missing + ")");
        }
        if (bound() >= 0 && duplicates() > bound()) {
            problems.add(duplicates() + " duplicates, more than the bound of " + bound()
                    + (fault.graceful() ? " (SIGTERM must not repeat a record)" : " (" + direction.windowName() + " "
                            + direction.window() + " x " + fault.strikes() + ")"));
        }
        if (orderPromised() && orderViolations > 0) {
            problems.add(orderViolations + " records out of order on first occurrence, e.g. " + violationExamples);
        }
        for (Strike strike : strikes) {
            if (strike.resumeMillis() < 0 || strike.readyMillis() < 0) {
                problems.add("not recovered after " + strike.what() + ": deliveries "
                        + (strike.resumeMillis() < 0 ? "did not resume" : "resumed") + ", readiness "
                        + (strike.readyMillis() < 0 ? "not UP" : "UP"));
            }
        }
        if (drain != null) {
            problems.add("stuck at the end: " + drain);
        }
        if (foreign > 0) {
            problems.add(foreign + " messages at the sink that are no record of this run");
        }
        return problems;
    }

    public boolean passed() {
        return problems().isEmpty();
    }

    /** The row of the table in docs/guarantees.md. */
    public String row() {
        String order = orderViolations == 0 ? "0" : orderViolations + (orderPromised() ? " **(promised)**" : " (not promised)");
        return "| " + direction.title() + " | " + fault.title() + " | " + lost() + " | " + duplicates()
                + (bound() < 0 ? " (counted)" : " (<= " + bound() + ")") + " | " + order + " | " + times(true) + " | " + times(false) + " | "
                + (passed() ? "passed" : "**FAILED**") + " |";
    }

    static String header() {
        return "| Direction | Fault | Lost | Duplicates (bound) | Order violations | Deliveries resume after | "
                + "Ready again after | |\n| --- | --- | --- | --- | --- | --- | --- | --- |";
    }

    private String times(boolean resume) {
        List<String> parts = new ArrayList<>();
        for (Strike strike : strikes) {
            long millis = resume ? strike.resumeMillis() : strike.readyMillis();
            parts.add(millis < 0 ? "never" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0));
        }
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    /** A line for the log: counts, times and problems. */
    public String summary() {
        return String.format(Locale.ROOT, "%s / %s: %d records, %d delivered (%d distinct), lost %d, duplicates %d (bound %d),"
                + " order violations %d (%s), strikes %s, reader repeats %d, %.0f s%s", direction.id(), fault.id(),
                records, deliveries, distinct, lost(), duplicates(), bound(), orderViolations,
                orderPromised() ? "promised" : "not promised", strikes, readerRepeats, elapsed.toMillis() / 1000.0,
                passed() ? "" : " -- FAILED: " + problems());
    }
}

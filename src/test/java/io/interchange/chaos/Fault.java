package io.interchange.chaos;

import java.util.Arrays;

/** What strikes a direction while it bridges; each is one row of the table in docs/guarantees.md. */
public enum Fault {

    /** The gateway killed with SIGKILL at 20, 40 and 60 % of the records, and started again each time. */
    SIGKILL("sigkill", "gateway SIGKILLed 3x", 3),
    /** The gateway stopped with SIGTERM (as Kubernetes stops a pod) at 20, 40 and 60 %, and started again. */
    SIGTERM("sigterm", "gateway SIGTERMed 3x", 3),
    /** The source broker stopped for 10 s at 30 % and started again, data kept. */
    SOURCE_RESTART("source-restart", "source broker restarted", 1),
    /** The sink broker stopped for 10 s at 30 % and started again, data kept. */
    SINK_RESTART("sink-restart", "sink broker restarted", 1),
    /**
     * A second gateway with the same settings joins at 25 % (rebalance, competing consumers; the producer waits while
     * it boots) and leaves with SIGTERM.
     */
    REPLICA("replica", "2nd replica joins, leaves", 1);

    private final String id;
    private final String title;
    private final int strikes;

    Fault(String id, String title, int strikes) {
        this.id = id;
        this.title = title;
        this.strikes = strikes;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    /** How many times the fault strikes in one run: the multiplier of the duplicate bound. */
    public int strikes() {
        return strikes;
    }

    /** True when the fault ends every gateway it touches with SIGTERM only: then no record may repeat. */
    public boolean graceful() {
        return this == SIGTERM || this == REPLICA;
    }

    public static Fault of(String id) {
        return Arrays.stream(values()).filter(f -> f.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown fault '" + id + "'; one of "
                        + Arrays.stream(values()).map(Fault::id).toList()));
    }
}

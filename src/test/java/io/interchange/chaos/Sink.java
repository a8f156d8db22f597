package io.interchange.chaos;

/** Where a direction delivers: a topic or queue of the sink broker that the test reads, counting every delivery. */
interface Sink extends AutoCloseable {

    void create() throws Exception;

    /** Starts reading on threads of its own; every delivery goes to {@code arrivals}. Survives broker restarts. */
    void read(Arrivals arrivals) throws Exception;

    /** True when everything at the sink has been read. */
    boolean caughtUp() throws Exception;

    @Override
    void close();
}

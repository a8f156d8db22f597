package io.interchange.deadletter;

/** What a dead-lettered message carries beside its original body and headers, on every broker. */
public final class DeadLetterHeaders {

    /** Set by every source: 1 for the first delivery of a message, counting up with redeliveries. */
    public static final String DELIVERY_ATTEMPT = "InterchangeDeliveryAttempt";

    public static final String REASON = "interchange-dlq-reason";
    public static final String EXCEPTION = "interchange-dlq-exception";
    public static final String ROUTE = "interchange-dlq-route";
    /** As text, like every header here, so it reads the same on every broker. */
    public static final String ATTEMPTS = "interchange-dlq-attempts";
    /** When the message was dead-lettered: its last failure. */
    public static final String TIME = "interchange-dlq-time";

    /** When the message failed first (RFC 3339); the same as {@link #TIME} for a first-attempt failure. */
    public static final String FIRST_FAILURE_TIME = "interchange-dlq-first-failure-time";

    /** Set by sources that know it: epoch millis of the message's first failed delivery. */
    public static final String FIRST_FAILURE = "InterchangeFirstFailureMillis";

    private DeadLetterHeaders() {
    }
}

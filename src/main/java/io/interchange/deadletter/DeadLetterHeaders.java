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
    public static final String TIME = "interchange-dlq-time";

    private DeadLetterHeaders() {
    }
}

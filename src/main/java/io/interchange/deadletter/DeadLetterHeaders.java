package io.interchange.deadletter;

import java.util.List;

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

    /** Where the original message is (a Kafka topic, partition and offset) or was (a queue and message id). */
    public static final String ORIGINAL_LOCATION = "interchange-dlq-original-location";

    /** "true" on a dead letter that could not be written whole: its body is the original's first bytes. */
    public static final String TRUNCATED = "interchange-dlq-truncated";
    /** Of a truncated dead letter: the original body's size in bytes and its SHA-256 (hex). */
    public static final String ORIGINAL_SIZE = "interchange-dlq-original-size";
    public static final String ORIGINAL_SHA256 = "interchange-dlq-original-sha256";
    /** Of a truncated dead letter: the original headers left out (name=bytes, comma-separated). */
    public static final String DROPPED_HEADERS = "interchange-dlq-dropped-headers";
    /** "base64" when the dead letter's body is the original body (or its first bytes) in base64 (SQS bodies are text). */
    public static final String BODY_ENCODING = "interchange-dlq-body-encoding";

    /**
     * On SQS, which takes 10 message attributes, the dead-letter headers travel together as one JSON object
     * in this attribute (the names above without the prefix as keys, plus {@code headers}: the original
     * attributes that did not fit).
     */
    public static final String SQS_ATTRIBUTE = "interchange-dlq";

    /**
     * Exchange property set by a source: how many earlier deliveries of this message ended without an
     * outcome (the gateway died or stopped while it was in flight). A message that kills the gateway is
     * dead-lettered, unprocessed, once this reaches {@code interchange.dead-letter.max-attempts}.
     */
    public static final String UNSETTLED_ATTEMPTS = "InterchangeUnsettledAttempts";

    /** Set by sources that know it: epoch millis of the message's first failed delivery. */
    public static final String FIRST_FAILURE = "InterchangeFirstFailureMillis";

    /** Every dead-letter header, in the order they are written. */
    static final List<String> ALL = List.of(REASON, EXCEPTION, ROUTE, ATTEMPTS, TIME, FIRST_FAILURE_TIME,
            ORIGINAL_LOCATION, TRUNCATED, ORIGINAL_SIZE, ORIGINAL_SHA256, DROPPED_HEADERS, BODY_ENCODING);

    private DeadLetterHeaders() {
    }
}

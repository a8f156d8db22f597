package io.interchange.security;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every header name that steers a component the gateway uses: Camel's own, the {@code *Constants} of
 * camel-kafka, camel-spring-rabbitmq and camel-aws2-sqs, camel-core's non-{@code Camel} names, RabbitMQ's
 * broker-side routing headers, and the gateway's own internal headers. Matching ignores letter case,
 * because Camel's header map does: {@code KAFKA.override_topic} is {@code kafka.OVERRIDE_TOPIC} to the
 * Kafka producer. None of these may enter a route from the wire ({@link IngressHeaders}), and a route
 * cannot ask for one.
 */
public final class ControlHeaders {

    /**
     * Prefixes (lower case): Camel's headers and its component headers ({@code CamelSpringRabbitmq*},
     * {@code CamelAwsSqs*}, {@code CamelKafkaManualCommit}, ...), camel-kafka's {@code kafka.*}
     * (KEY, PARTITION_KEY, OVERRIDE_TOPIC, OVERRIDE_TIMESTAMP, HEADERS, ...), the gateway's {@code sqs.*}
     * receive bookkeeping, Camel's OpenTelemetry span headers, and RabbitMQ's dead-letter history.
     */
    static final List<String> PREFIXES = List.of("camel", "org.apache.camel.", "kafka.", "sqs.", "opentracing.",
            "x-first-death-", "x-last-death-");

    /**
     * Exact names (lower case). camel-core: breadcrumbId, Long-Running-Action (joins a saga), the HTTP
     * framing headers and TryRouteBlock. RabbitMQ: CC and BCC (sender-selected distribution: extra routing
     * keys), x-death and x-delivery-count (the broker's redelivery bookkeeping), x-delay (delayed-message
     * plugin), x-deduplication-header (deduplication plugin).
     */
    static final Set<String> NAMES = Set.of("breadcrumbid", "long-running-action", "content-length",
            "content-encoding", "transfer-encoding", "tryrouteblock", "cc", "bcc", "x-death", "x-delivery-count",
            "x-delay", "x-deduplication-header");

    private ControlHeaders() {
    }

    /** True for a header name that steers a component, in any letter case. */
    public static boolean isControl(String name) {
        if (name == null) {
            return true;
        }
        String lower = name.strip().toLowerCase(Locale.ROOT);
        if (NAMES.contains(lower) || isInternal(lower)) {
            return true;
        }
        for (String prefix : PREFIXES) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The gateway's internal headers are {@code Interchange} followed by a letter
     * ({@code InterchangeMessageGroupId}, {@code InterchangeMessageDeduplicationId},
     * {@code InterchangeRoutingKey}, {@code InterchangeDeliveryAttempt}, ...); the hyphenated
     * {@code interchange-*} names are data (dead-letter reasons, the AMQP key), not control.
     */
    private static boolean isInternal(String lower) {
        return lower.length() > "interchange".length() && lower.startsWith("interchange")
                && Character.isLetter(lower.charAt("interchange".length()));
    }
}

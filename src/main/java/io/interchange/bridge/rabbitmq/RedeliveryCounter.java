package io.interchange.bridge.rabbitmq;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import com.rabbitmq.client.AMQP;

/**
 * How often a message of a classic queue failed here, which the broker does not count (quorum queues
 * do, in {@code x-delivery-count}). A message is known by its message id, else by its routing-relevant
 * bytes; the memory is bounded, so a message forgotten under heavy failure starts counting anew,
 * which only delays its dead-lettering.
 */
final class RedeliveryCounter {

    private final Map<Object, Failures> failures;

    RedeliveryCounter(int capacity) {
        this.failures = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, Failures> eldest) {
                return size() > capacity;
            }
        };
    }

    static Object identity(AMQP.BasicProperties properties, byte[] body) {
        if (properties.getMessageId() != null) {
            return properties.getMessageId();
        }
        return Arrays.hashCode(body) * 31L + body.length;
    }

    synchronized int attemptOf(Object identity, AMQP.BasicProperties properties) {
        Object brokerCount = properties.getHeaders() == null ? null : properties.getHeaders().get("x-delivery-count");
        if (brokerCount instanceof Number n) {
            return n.intValue() + 1;
        }
        Failures known = failures.get(identity);
        return known == null ? 1 : known.count + 1;
    }

    /** Epoch millis of the message's first failure here, or null. */
    synchronized Long firstFailureOf(Object identity) {
        Failures known = failures.get(identity);
        return known == null ? null : known.firstMillis;
    }

    synchronized void failed(Object identity) {
        failures.merge(identity, new Failures(1, System.currentTimeMillis()),
                (old, added) -> new Failures(old.count + 1, old.firstMillis));
    }

    private record Failures(int count, long firstMillis) {
    }

    synchronized void settled(Object identity) {
        failures.remove(identity);
    }
}

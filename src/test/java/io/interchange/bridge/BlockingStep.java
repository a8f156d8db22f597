package io.interchange.bridge;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * A route step for supervision tests: a body of {@code block} waits until the test releases it; a body
 * starting {@code slow-} takes {@link #SLOW_MILLIS}; every body is counted.
 */
public class BlockingStep implements Processor {

    static final long SLOW_MILLIS = 5_000;
    static volatile CountDownLatch release = new CountDownLatch(1);
    static final Map<String, AtomicInteger> SEEN = new ConcurrentHashMap<>();

    @Override
    public void process(Exchange exchange) throws InterruptedException {
        String body = exchange.getMessage().getBody(String.class);
        SEEN.computeIfAbsent(body, b -> new AtomicInteger()).incrementAndGet();
        if ("block".equals(body)) {
            release.await(5, TimeUnit.MINUTES);
        } else if (body != null && body.startsWith("slow-")) {
            Thread.sleep(SLOW_MILLIS); // a slow sink, as far as the source can tell
        }
    }
}

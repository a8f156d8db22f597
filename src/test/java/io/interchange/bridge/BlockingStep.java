package io.interchange.bridge;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** A route step for supervision tests: a body of {@code block} waits until the test releases it. */
public class BlockingStep implements Processor {

    static volatile CountDownLatch release = new CountDownLatch(1);

    @Override
    public void process(Exchange exchange) throws InterruptedException {
        if ("block".equals(exchange.getMessage().getBody(String.class))) {
            release.await(5, TimeUnit.MINUTES);
        }
    }
}

package io.interchange.bridge.kafka;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * A route step for crash tests, run inside a gateway process: a body of {@code halt} stops the JVM on the
 * spot (what an out-of-memory kill or a native crash does to a gateway), a body of {@code fail} throws.
 */
public class PoisonStep implements Processor {

    @Override
    public void process(Exchange exchange) {
        String body = exchange.getMessage().getBody(String.class);
        if ("halt".equals(body)) {
            Runtime.getRuntime().halt(3);
        }
        if ("fail".equals(body)) {
            throw new IllegalStateException("this record always fails");
        }
    }
}

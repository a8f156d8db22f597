package io.interchange.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.EndpointInject;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import io.interchange.InterchangeApplication;
import io.interchange.deadletter.DeadLetterHeaders;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Camel's idempotent consumer with the options the docs prescribe (eager, removeOnFailure, not
 * completionEager) over the shared repository, in the memory store: what is dropped, what is released.
 */
@CamelSpringBootTest
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "interchange.idempotency.store=memory",
        "interchange.dead-letter.destinations.dedupe-test=mock:dead-letter",
        "camel.main.routes-include-pattern=file:src/test/resources/routes-idempotency/dedupe.yaml,file:routes/dead-letter.yaml"})
@DirtiesContext
class IdempotentConsumerRouteTest {

    @Autowired
    ProducerTemplate producer;

    @Autowired
    SharedIdempotentRepository repository;

    @Autowired
    MeterRegistry meters;

    @EndpointInject("mock:sink")
    MockEndpoint sink;

    @EndpointInject("mock:dead-letter")
    MockEndpoint deadLetter;

    @BeforeEach
    void reset() {
        sink.reset();
        deadLetter.reset();
        repository.clear();
    }

    static Map<String, Object> event(String id) {
        Map<String, Object> headers = new HashMap<>();
        headers.put("ce-source", "/orders");
        headers.put("ce-id", id);
        return headers;
    }

    /** The key the route's step makes of a CloudEvent's source and id. */
    String key(String source, String id) {
        return source + "/" + id;
    }

    double duplicates() {
        return meters.get("interchange.idempotency.duplicates").counter().count();
    }

    @Test
    void aDuplicateOfAProcessedEventIsDroppedAndCounted() throws Exception {
        double before = duplicates();
        sink.expectedBodiesReceived("first");

        producer.sendBodyAndHeaders("direct:events", "first", event("e-1"));
        producer.sendBodyAndHeaders("direct:events", "again", event("e-1"));
        producer.sendBodyAndHeaders("direct:events", "again", event("e-1"));

        sink.assertIsSatisfied();
        assertThat(duplicates() - before).isEqualTo(2);
        assertThat(repository.contains(key("/orders", "e-1"))).isTrue();
        assertThat(meters.get("interchange.idempotency.store.latency").tag("operation", "reserve").timer().count())
                .isPositive();
    }

    @Test
    void theKeyIsSourceAndIdSoTheSameIdFromAnotherSourceIsProcessed() throws Exception {
        sink.expectedMessageCount(2);
        producer.sendBodyAndHeaders("direct:events", "a", event("e-2"));
        Map<String, Object> other = event("e-2");
        other.put("ce-source", "/invoices");
        producer.sendBodyAndHeaders("direct:events", "b", other);
        sink.assertIsSatisfied();
    }

    @Test
    void aFailedExchangeReleasesItsKeySoTheRedeliveryIsProcessed() throws Exception {
        sink.whenExchangeReceived(1, exchange -> {
            throw new IllegalStateException("sink refused");
        });
        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:events", "x", event("e-3")))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseMessage("sink refused");
        assertThat(repository.contains(key("/orders", "e-3"))).isFalse();

        producer.sendBodyAndHeaders("direct:events", "x", event("e-3"));

        assertThat(sink.getReceivedCounter()).isEqualTo(2);
        assertThat(repository.contains(key("/orders", "e-3"))).isTrue();
    }

    @Test
    void aDeadLetteredEventReleasesItsKeySoItsReplayIsProcessed() throws Exception {
        sink.whenExchangeReceived(1, exchange -> {
            throw new IllegalStateException("still broken");
        });
        Map<String, Object> lastAttempt = event("e-4");
        lastAttempt.put(DeadLetterHeaders.DELIVERY_ATTEMPT, 5);
        deadLetter.expectedMessageCount(1);

        producer.sendBodyAndHeaders("direct:events", "x", lastAttempt);

        deadLetter.assertIsSatisfied();
        assertThat(repository.contains(key("/orders", "e-4"))).isFalse();
        producer.sendBodyAndHeaders("direct:events", "x", event("e-4"));
        assertThat(sink.getReceivedCounter()).isEqualTo(2);
    }

    @Test
    void aDuplicateArrivingWhileTheEventIsInProgressFailsForALaterRetryInsteadOfBeingDropped() throws Exception {
        CountDownLatch inSink = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sink.whenExchangeReceived(1, exchange -> {
            inSink.countDown();
            release.await(10, TimeUnit.SECONDS);
        });
        Thread first = new Thread(() -> producer.sendBodyAndHeaders("direct:events", "x", event("e-5")));
        first.start();
        assertThat(inSink.await(10, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:events", "x", event("e-5")))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseInstanceOf(KeyInProgressException.class);
        assertThat(deadLetter.getReceivedCounter()).as("never dead-lettered").isZero();

        release.countDown();
        first.join(10_000);
        producer.sendBodyAndHeaders("direct:events", "x", event("e-5"));
        assertThat(sink.getReceivedCounter()).isEqualTo(1);
    }
}

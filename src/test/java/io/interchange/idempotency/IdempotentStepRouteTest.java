package io.interchange.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import io.interchange.InterchangeApplication;
import io.interchange.bridge.UndeliverableException;
import io.interchange.deadletter.DeadLetterHeaders;

/**
 * The batched step {@code interchange-idempotent} keeps every promise of the idempotent consumer
 * (the inherited tests) and its own: keys by (source, id) without ambiguity, a missing id dead-letters,
 * concurrent deliveries of the same events pass once.
 */
@SpringBootTest(classes = InterchangeApplication.class, properties = {
        "interchange.idempotency.store=memory",
        "interchange.dead-letter.destinations.dedupe-test=mock:dead-letter",
        "camel.main.routes-include-pattern=file:src/test/resources/routes-idempotency/dedupe-batched.yaml,file:routes/dead-letter.yaml"})
@DirtiesContext
class IdempotentStepRouteTest extends IdempotentConsumerRouteTest {

    @Autowired
    IdempotencyKeyStore keyStore;

    @Override
    String key(String source, String id) {
        return "dedupe-test " + source + " " + id;
    }

    /** The step continues exchanges on one thread per route, so "another exchange" is another replica here. */
    @Override
    @Test
    void aDuplicateArrivingWhileTheEventIsInProgressFailsForALaterRetryInsteadOfBeingDropped() throws Exception {
        assertThat(keyStore.reserve(key("/orders", "e-5"), Duration.ofMinutes(2), Duration.ofDays(7)))
                .isEqualTo(IdempotencyKeyStore.Reservation.RESERVED);

        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:events", "x", event("e-5")))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseInstanceOf(KeyInProgressException.class);
        assertThat(deadLetter.getReceivedCounter()).as("never dead-lettered").isZero();

        keyStore.confirm(key("/orders", "e-5"));
        producer.sendBodyAndHeaders("direct:events", "x", event("e-5"));
        assertThat(sink.getReceivedCounter()).as("dropped once the other replica confirmed").isZero();
    }

    @Test
    void sourceAndIdThatConcatenateAlikeAreDifferentEvents() throws Exception {
        Map<String, Object> first = event("b/c");
        first.put("ce-source", "/a");
        Map<String, Object> second = event("c");
        second.put("ce-source", "/a/b");
        sink.expectedMessageCount(2);

        producer.sendBodyAndHeaders("direct:events", "1", first);
        producer.sendBodyAndHeaders("direct:events", "2", second);

        sink.assertIsSatisfied();
    }

    @Test
    void anEventWithoutAnIdIsDeadLetteredAtOnce() throws Exception {
        Map<String, Object> headers = event("e-6");
        headers.remove("ce-id");
        deadLetter.expectedMessageCount(1);

        producer.sendBodyAndHeaders("direct:events", "x", headers);

        deadLetter.assertIsSatisfied();
        org.apache.camel.Message dead = deadLetter.getExchanges().get(0).getMessage();
        assertThat(dead.getHeader(DeadLetterHeaders.EXCEPTION, String.class)).isEqualTo(UndeliverableException.class.getName());
        assertThat(dead.getHeader(DeadLetterHeaders.REASON, String.class)).contains("no ce-source or ce-id");
        assertThat(dead.getHeader(DeadLetterHeaders.ATTEMPTS, Integer.class)).isEqualTo(1);
        assertThat(sink.getReceivedCounter()).isZero();
    }

    @Test
    void concurrentDeliveriesOfTheSameEventsPassOnceEach() throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> sends = new ArrayList<>();
            for (int copy = 0; copy < 4; copy++) {
                for (int i = 0; i < 200; i++) {
                    String id = "storm-" + i;
                    sends.add(senders.submit(() -> {
                        try {
                            producer.sendBodyAndHeaders("direct:events", id, event(id));
                        } catch (CamelExecutionException e) {
                            // in progress elsewhere: a real source delivers it again; here the next copy does
                            assertThat(e).hasRootCauseInstanceOf(KeyInProgressException.class);
                        }
                    }));
                }
            }
            for (Future<?> send : sends) {
                send.get();
            }
        } finally {
            senders.shutdownNow();
        }
        // Whatever was in progress during the storm is delivered again now, as a source would.
        for (int i = 0; i < 200; i++) {
            producer.sendBodyAndHeaders("direct:events", "storm-" + i, event("storm-" + i));
        }
        assertThat(sink.getReceivedExchanges()).hasSize(200);
        assertThat(sink.getReceivedExchanges().stream().map(e -> e.getMessage().getBody(String.class)).distinct())
                .hasSize(200);
        assertThat(meters.get("interchange.idempotency.batch.size").summary().count()).isPositive();
    }

    @Test
    void aDuplicateOfAnEventThisGatewayIsProcessingWaitsForItAndIsDroppedWhenItCompletes() throws Exception {
        CountDownLatch inSink = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sink.whenExchangeReceived(1, exchange -> {
            inSink.countDown();
            release.await(10, TimeUnit.SECONDS);
        });
        double before = duplicates();
        Thread first = new Thread(() -> producer.sendBodyAndHeaders("direct:events", "x", event("e-7")));
        first.start();
        assertThat(inSink.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Object> retry = CompletableFuture.runAsync(
                () -> producer.sendBodyAndHeaders("direct:events", "x", event("e-7"))).thenApply(v -> "done");

        Thread.sleep(200); // the retry must still be waiting: the subject under test
        assertThat(retry).as("waits for the original").isNotDone();
        release.countDown();

        assertThat(retry.get(10, TimeUnit.SECONDS)).as("no KeyInProgressException").isEqualTo("done");
        first.join(10_000);
        assertThat(sink.getReceivedCounter()).isEqualTo(1);
        assertThat(duplicates() - before).isEqualTo(1);
    }

    @Test
    void aDuplicateWaitingForAnOriginalThatFailsProcessesTheEvent() throws Exception {
        CountDownLatch inSink = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sink.whenExchangeReceived(1, exchange -> {
            inSink.countDown();
            release.await(10, TimeUnit.SECONDS);
            throw new IllegalStateException("sink refused the original");
        });
        Thread first = new Thread(() -> {
            try {
                producer.sendBodyAndHeaders("direct:events", "original", event("e-8"));
            } catch (CamelExecutionException expected) {
                // the original fails
            }
        });
        first.start();
        assertThat(inSink.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> retry = CompletableFuture.runAsync(
                () -> producer.sendBodyAndHeaders("direct:events", "retry", event("e-8")));
        Thread.sleep(200); // the retry must still be waiting: the subject under test
        release.countDown();

        retry.get(10, TimeUnit.SECONDS);
        first.join(10_000);
        assertThat(sink.getReceivedExchanges()).extracting(e -> e.getMessage().getBody(String.class))
                .containsExactly("original", "retry");
        assertThat(repository.contains(key("/orders", "e-8"))).isTrue();
    }

    @Test
    void anIdWithANulCharacterIsDeadLetteredAtOnce() throws Exception {
        deadLetter.expectedMessageCount(1);

        producer.sendBodyAndHeaders("direct:events", "x", event("e-\u0000-9"));

        deadLetter.assertIsSatisfied();
        assertThat(deadLetter.getExchanges().get(0).getMessage().getHeader(DeadLetterHeaders.REASON, String.class))
                .contains("NUL");
        assertThat(sink.getReceivedCounter()).isZero();
    }

    @Test
    void theSameExchangePassingTheStepTwiceFailsAtOnceInsteadOfWaitingForItself() {
        assertThatThrownBy(() -> producer.sendBodyAndHeaders("direct:twice", "x", event("e-10")))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseInstanceOf(KeyInProgressException.class);
        assertThat(sink.getReceivedCounter()).isZero();
        assertThat(repository.contains(key("/orders", "e-10"))).as("released after the failure").isFalse();
    }
}

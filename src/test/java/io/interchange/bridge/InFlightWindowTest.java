package io.interchange.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class InFlightWindowTest {

    @Test
    void fullByMessagesOrBytesAndBelowHalfOnlyWhenBothAre() {
        InFlightWindow window = new InFlightWindow(4, 1000);
        window.add(3, 100);
        assertThat(window.isFull()).isFalse();
        assertThat(window.isBelowHalf()).isFalse();
        window.add(1, 100);
        assertThat(window.isFull()).as("4 messages").isTrue();
        window.remove(3, 100);
        assertThat(window.isBelowHalf()).isTrue();
        window.add(0, 900);
        assertThat(window.isFull()).as("1000 bytes").isTrue();
        assertThat(window.room()).isEqualTo(3);
    }

    @Test
    void aMessageLargerThanTheWindowStillGoesAlone() {
        InFlightWindow window = new InFlightWindow(10, 100);
        assertThat(window.isFull()).isFalse();
        window.add(1, 5000);
        assertThat(window.isFull()).isTrue();
        window.remove(1, 5000);
        assertThat(window.isFull()).isFalse();
    }

    @Test
    void waitersWakeWhenTheWindowDrains() throws Exception {
        InFlightWindow window = new InFlightWindow(2, 1000);
        window.add(2, 10);
        CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(() -> await(() -> window.awaitRoom(10_000)));
        CompletableFuture<Boolean> empty = CompletableFuture.supplyAsync(() -> await(() -> window.awaitEmpty(10_000)));
        window.remove(1, 5);
        assertThat(room.get(5, TimeUnit.SECONDS)).isTrue();
        window.remove(1, 5);
        assertThat(empty.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(window.awaitEmpty(0)).isTrue();
    }

    @Test
    void aWaitEndsAtItsTimeout() throws Exception {
        InFlightWindow window = new InFlightWindow(1, 1000);
        window.add(1, 1);
        assertThat(window.awaitEmpty(50)).isFalse();
    }

    @Test
    void backoffDoublesUpToItsMaximum() {
        Backoff backoff = new Backoff(500, 10_000);
        assertThat(backoff.after(1)).isEqualTo(500);
        assertThat(backoff.after(2)).isEqualTo(1000);
        assertThat(backoff.after(6)).isEqualTo(10_000);
        assertThat(backoff.after(1000)).isEqualTo(10_000);
        assertThat(backoff.after(0)).isEqualTo(500);
    }

    private interface Wait {
        boolean run() throws InterruptedException;
    }

    private static boolean await(Wait wait) {
        try {
            return wait.run();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}

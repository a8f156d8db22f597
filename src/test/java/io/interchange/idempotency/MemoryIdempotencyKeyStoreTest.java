package io.interchange.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.interchange.idempotency.IdempotencyKeyStore.Reservation;

class MemoryIdempotencyKeyStoreTest {

    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final Duration RETENTION = Duration.ofDays(7);

    private final MemoryIdempotencyKeyStore store = new MemoryIdempotencyKeyStore();

    @Test
    void aKeyIsReservedOnceConfirmedForGoodAndReleasedOnFailure() {
        assertThat(store.reserve("k", LEASE, RETENTION)).isEqualTo(Reservation.RESERVED);
        assertThat(store.reserve("k", LEASE, RETENTION)).isEqualTo(Reservation.IN_PROGRESS);
        store.release("k");
        assertThat(store.reserve("k", LEASE, RETENTION)).isEqualTo(Reservation.RESERVED);
        store.confirm("k");
        store.release("k");
        assertThat(store.reserve("k", LEASE, RETENTION)).isEqualTo(Reservation.CONFIRMED);
        assertThat(store.isConfirmed("k", RETENTION)).isTrue();
    }

    @Test
    void anExpiredLeaseOrRetentionLetsTheNextDeliveryTakeTheKeyOver() throws InterruptedException {
        assertThat(store.reserve("stuck", Duration.ofMillis(1), RETENTION)).isEqualTo(Reservation.RESERVED);
        Thread.sleep(5); // the lease is the subject under test
        assertThat(store.reserve("stuck", Duration.ofMillis(1), RETENTION)).isEqualTo(Reservation.RESERVED);

        store.confirm("old");
        Thread.sleep(5);
        assertThat(store.reserve("old", LEASE, Duration.ofMillis(1))).isEqualTo(Reservation.RESERVED);
        Thread.sleep(5);
        assertThat(store.deleteOlderThan(Duration.ofMillis(1))).isEqualTo(2);
        assertThat(store.size()).isZero();
    }

    @Test
    void theCacheKeepsTheMostRecentlyConfirmedKeysUpToItsCapacity() {
        ConfirmedKeyCache cache = new ConfirmedKeyCache(2, RETENTION);
        cache.confirmed("a");
        cache.confirmed("b");
        cache.isConfirmed("a");
        cache.confirmed("c");
        assertThat(cache.isConfirmed("a")).isTrue();
        assertThat(cache.isConfirmed("b")).as("least recently used, evicted").isFalse();
        assertThat(cache.isConfirmed("c")).isTrue();
        assertThat(cache.size()).isEqualTo(2);
    }
}

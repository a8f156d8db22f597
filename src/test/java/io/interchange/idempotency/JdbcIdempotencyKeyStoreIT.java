package io.interchange.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.interchange.brokers.Brokers;
import io.interchange.brokers.PostgresBroker;
import io.interchange.idempotency.IdempotencyKeyStore.Reservation;

/** The PostgreSQL key store against a real server: races, leases, retention, migration. */
class JdbcIdempotencyKeyStoreIT {

    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final Duration RETENTION = Duration.ofDays(7);

    private static HikariDataSource dataSource;

    @BeforeAll
    static void connect() {
        PostgresBroker postgres = Brokers.postgres();
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.jdbcUrl());
        dataSource.setUsername(postgres.username());
        dataSource.setPassword(postgres.password());
        dataSource.setMaximumPoolSize(8);
    }

    @AfterAll
    static void close() {
        dataSource.close();
    }

    private static JdbcIdempotencyKeyStore store(String namespace) {
        JdbcIdempotencyKeyStore store = new JdbcIdempotencyKeyStore(dataSource, namespace);
        store.migrate();
        return store;
    }

    @Test
    void replicasStartingTogetherMigrateOnceAndAgainWithoutHarm() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> starts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                starts.add(pool.submit(() -> new JdbcIdempotencyKeyStore(dataSource, "migrate").migrate()));
            }
            for (Future<?> start : starts) {
                start.get();
            }
        } finally {
            pool.shutdown();
        }
        // An older table without the state columns is brought up to date.
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("ALTER TABLE " + JdbcIdempotencyKeyStore.TABLE + " DROP COLUMN confirmed");
        }
        JdbcIdempotencyKeyStore store = store("migrate");
        assertThat(store.reserve("k", LEASE, RETENTION)).isEqualTo(Reservation.RESERVED);
    }

    @Test
    void eightConcurrentReserversOfTheSameKeysSeeExactlyOneWinnerPerKey() throws Exception {
        JdbcIdempotencyKeyStore store = store("race");
        int keys = 300;
        AtomicInteger reserved = new AtomicInteger();
        AtomicInteger blocked = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Void>> racers = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                racers.add(() -> {
                    for (int k = 0; k < keys; k++) {
                        Reservation outcome = store.reserve("key-" + k, LEASE, RETENTION);
                        (outcome == Reservation.RESERVED ? reserved : blocked).incrementAndGet();
                    }
                    return null;
                });
            }
            for (Future<Void> racer : pool.invokeAll(racers)) {
                racer.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(reserved.get()).isEqualTo(keys);
        assertThat(blocked.get()).isEqualTo(7 * keys);
        assertThat(store.size()).isEqualTo(keys);
    }

    @Test
    void confirmReleaseLeaseAndRetention() throws Exception {
        JdbcIdempotencyKeyStore store = store("states");
        assertThat(store.reserve("a", LEASE, RETENTION)).isEqualTo(Reservation.RESERVED);
        assertThat(store.reserve("a", LEASE, RETENTION)).isEqualTo(Reservation.IN_PROGRESS);
        store.release("a");
        assertThat(store.reserve("a", LEASE, RETENTION)).isEqualTo(Reservation.RESERVED);
        store.confirm("a");
        store.release("a");
        assertThat(store.reserve("a", LEASE, RETENTION)).isEqualTo(Reservation.CONFIRMED);
        assertThat(store.isConfirmed("a", RETENTION)).isTrue();

        assertThat(store.reserve("stuck", LEASE, RETENTION)).isEqualTo(Reservation.RESERVED);
        Thread.sleep(20); // the lease is the subject under test
        assertThat(store.reserve("stuck", Duration.ofMillis(10), RETENTION)).as("lease ran out: taken over")
                .isEqualTo(Reservation.RESERVED);

        Thread.sleep(20);
        assertThat(store.reserve("a", LEASE, Duration.ofMillis(10))).as("past retention: processed again")
                .isEqualTo(Reservation.RESERVED);
        Thread.sleep(20);
        assertThat(store.deleteOlderThan(Duration.ofMillis(10))).isEqualTo(2);
        assertThat(store.size()).isZero();
        assertThat(store("other").size()).as("namespaces are separate").isZero();
    }

    @Test
    void aVeryLongKeyIsStoredAsItsHash() {
        JdbcIdempotencyKeyStore store = store("long");
        String key = "k".repeat(5000);
        assertThat(store.reserve(key, LEASE, RETENTION)).isEqualTo(Reservation.RESERVED);
        store.confirm(key);
        assertThat(store.reserve(key, LEASE, RETENTION)).isEqualTo(Reservation.CONFIRMED);
        assertThat(JdbcIdempotencyKeyStore.stored(key)).startsWith("sha256:").hasSize(71);
    }

    @Test
    void batchesFromFourReplicasInShuffledOrderSeeExactlyOneWinnerPerKeyAndNoDeadlock() throws Exception {
        JdbcIdempotencyKeyStore store = store("batch-race");
        int keys = 2000;
        AtomicInteger reserved = new AtomicInteger();
        AtomicInteger blocked = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Void>> replicas = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                long seed = r;
                replicas.add(() -> {
                    List<String> all = new ArrayList<>();
                    for (int k = 0; k < keys; k++) {
                        all.add("key-" + k);
                    }
                    java.util.Collections.shuffle(all, new java.util.Random(seed));
                    for (int from = 0; from < keys; from += 250) {
                        store.reserveAll(all.subList(from, from + 250), LEASE, RETENTION).values()
                                .forEach(outcome -> (outcome == Reservation.RESERVED ? reserved : blocked).incrementAndGet());
                    }
                    return null;
                });
            }
            for (Future<Void> replica : pool.invokeAll(replicas)) {
                replica.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(reserved.get()).isEqualTo(keys);
        assertThat(blocked.get()).isEqualTo(3 * keys);
        assertThat(store.size()).isEqualTo(keys);
    }

    @Test
    void batchedConfirmReleaseAndReserveAgree() {
        JdbcIdempotencyKeyStore store = store("batch-states");
        String longKey = "k".repeat(5000);
        assertThat(store.reserveAll(List.of("a", "b", "c", longKey), LEASE, RETENTION))
                .containsOnlyKeys("a", "b", "c", longKey).allSatisfy((key, outcome) -> assertThat(outcome)
                        .isEqualTo(Reservation.RESERVED));
        store.confirmAll(List.of("a", longKey));
        store.releaseAll(List.of("a", "b"));
        assertThat(store.reserveAll(List.of("a", "b", "c", longKey, "d"), LEASE, RETENTION))
                .containsEntry("a", Reservation.CONFIRMED).as("a confirmed key is not released")
                .containsEntry("b", Reservation.RESERVED).as("released: processed again")
                .containsEntry("c", Reservation.IN_PROGRESS)
                .containsEntry(longKey, Reservation.CONFIRMED)
                .containsEntry("d", Reservation.RESERVED);
        store.confirmAll(List.of("never-reserved"));
        assertThat(store.isConfirmed("never-reserved", RETENTION)).as("confirm records a key the cleanup removed")
                .isTrue();
    }
}

package io.interchange.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.interchange.brokers.Brokers;
import io.interchange.brokers.PostgresBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The PostgreSQL saga ledger against a real PostgreSQL, with several ledgers on one database standing for replicas
 * (and a new ledger for a restarted replica): whichever replica a callback reaches, it decides from the same record.
 * A compensation after a completion is refused on another replica and after a restart; a repeated callback is
 * answered at once; a callback arriving while the first runs elsewhere fails for a retry and never reads as done; one
 * left running by a dead replica is taken over after the lease; concurrent claims on two replicas let exactly one run.
 */
class JdbcSagaLedgerIT {

    private static HikariDataSource dataSource;
    private static final List<JdbcSagaLedger> ledgers = new ArrayList<>();

    @BeforeAll
    static void database() throws Exception {
        PostgresBroker postgres = Brokers.postgres();
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.jdbcUrl());
        dataSource.setUsername(postgres.username());
        dataSource.setPassword(postgres.password());
        dataSource.setMaximumPoolSize(12);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + JdbcSagaLedger.STEPS + ", " + JdbcSagaLedger.SAGAS);
        }
    }

    @AfterAll
    static void close() throws Exception {
        for (JdbcSagaLedger ledger : ledgers) {
            ledger.close();
        }
        dataSource.close();
    }

    /** A replica's ledger: saga timeout 2 s, retention 4 s, callback lease {@code lease}. */
    private static JdbcSagaLedger replica(SimpleMeterRegistry meters, Duration lease) {
        JdbcSagaLedger ledger = new JdbcSagaLedger(dataSource, null, new SagaProperties(true, Duration.ofSeconds(2), 200,
                1000, Map.of(), SagaProperties.Store.JDBC, Duration.ofSeconds(4), Duration.ofHours(1), lease,
                Duration.ofSeconds(3)), meters);
        ledgers.add(ledger);
        return ledger;
    }

    private static JdbcSagaLedger replica(SimpleMeterRegistry meters) {
        return replica(meters, Duration.ofSeconds(30));
    }

    private static String sagaId() {
        return "http://127.0.0.1:1/lra-coordinator/0_ffff7f000001_" + UUID.randomUUID();
    }

    @Test
    void aCompensationAfterACompletionIsRefusedOnAnotherReplicaAndAfterARestart() {
        SimpleMeterRegistry metersB = new SimpleMeterRegistry();
        JdbcSagaLedger a = replica(new SimpleMeterRegistry());
        JdbcSagaLedger b = replica(metersB);
        String saga = sagaId();
        a.started(saga, "o-1");
        a.stepStarted(saga, "order", "order", "create");
        a.stepEnded(saga, "order", null);
        assertThat(a.claim(saga, "order", "completion")).isTrue();
        a.callbackEnded(saga, "order", "completion", SagaLedger.CallbackState.DONE);
        a.closed(saga);

        // The coordinator cancels the LRA at its time limit after a completion callback it gave up on.
        assertThat(b.claim(saga, "order", "compensation")).as("another replica").isFalse();
        assertThat(metersB.get("interchange.saga.callbacks.refused").counter().count()).isEqualTo(1);
        JdbcSagaLedger restarted = replica(new SimpleMeterRegistry());
        assertThat(restarted.claim(saga, "order", "compensation")).as("a restarted replica").isFalse();
        assertThat(restarted.claim(saga, "order", "completion")).as("a repeated completion: answered at once").isFalse();
        assertThat(restarted.orderId(saga)).isEqualTo("o-1");
        assertThat(restarted.get(saga)).containsEntry("status", "completed").containsEntry("orderId", "o-1");
    }

    @Test
    void theTraceContextASagaStartedWithIsReadOnAnotherReplica() {
        JdbcSagaLedger a = replica(new SimpleMeterRegistry());
        JdbcSagaLedger b = replica(new SimpleMeterRegistry());
        String traced = sagaId();
        String untraced = sagaId();
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        a.started(traced, "o-traced", traceparent);
        a.started(untraced, "o-untraced");

        assertThat(b.traceparent(traced)).isEqualTo(traceparent);
        assertThat(b.traceparent(untraced)).isNull();
        assertThat(b.traceparent(sagaId())).as("a saga no replica recorded").isNull();
    }

    /** Tables as the release before the trace context had them: the migration adds the column, old sagas keep working. */
    @Test
    void tablesOfAnOlderVersionGetTheTraceContextColumnAndKeepTheirSagas() throws Exception {
        String schema = "legacy_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
            statement.execute("CREATE TABLE " + schema + "." + JdbcSagaLedger.SAGAS + " (saga_id VARCHAR(1024) PRIMARY KEY,"
                    + " uid VARCHAR(1024) NOT NULL, order_id VARCHAR(1024), status VARCHAR(16) NOT NULL, reason TEXT,"
                    + " known BOOLEAN NOT NULL, started_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                    + " ended_at TIMESTAMP WITH TIME ZONE, updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            statement.execute("INSERT INTO " + schema + "." + JdbcSagaLedger.SAGAS + " VALUES ('http://c/lra-coordinator/old',"
                    + " 'old', 'o-old', 'ACTIVE', NULL, TRUE, now(), NULL, now())");
        }
        try (HikariDataSource legacy = new HikariDataSource()) {
            legacy.setJdbcUrl(dataSource.getJdbcUrl());
            legacy.setUsername(dataSource.getUsername());
            legacy.setPassword(dataSource.getPassword());
            legacy.setSchema(schema);
            legacy.setMaximumPoolSize(2);
            try (JdbcSagaLedger upgraded = new JdbcSagaLedger(legacy, null, new SagaProperties(true, Duration.ofSeconds(2),
                    200, 1000, Map.of(), SagaProperties.Store.JDBC, Duration.ofSeconds(4), Duration.ofHours(1),
                    Duration.ofSeconds(30), Duration.ofSeconds(3)), new SimpleMeterRegistry())) {
                assertThat(upgraded.orderId("http://c/lra-coordinator/old")).isEqualTo("o-old");
                assertThat(upgraded.traceparent("http://c/lra-coordinator/old")).isNull();
                String saga = sagaId();
                String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
                upgraded.started(saga, "o-new", traceparent);
                assertThat(upgraded.traceparent(saga)).isEqualTo(traceparent);
            }
        } finally {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    @Test
    void aSagaWhoseReplicaDiedBeforeRecordingTheCloseIsCompletedByItsCompletionsOnAnotherReplica() {
        SimpleMeterRegistry metersB = new SimpleMeterRegistry();
        JdbcSagaLedger dead = replica(new SimpleMeterRegistry());
        JdbcSagaLedger b = replica(metersB);
        String saga = sagaId();
        dead.started(saga, "o-close");
        for (String step : List.of("order", "inventory")) {
            dead.stepStarted(saga, step, step, "act");
            dead.stepEnded(saga, step, null);
        }
        // The LRA closes; the replica that ran the saga dies before it records the close. The coordinator's completion
        // reaches another replica.
        assertThat(b.claim(saga, "order", "completion")).isTrue();
        b.callbackEnded(saga, "order", "completion", SagaLedger.CallbackState.DONE);
        assertThat(b.get(saga)).as("one step still to confirm").containsEntry("status", "active");
        assertThat(b.claim(saga, "inventory", "completion")).isTrue();
        b.callbackEnded(saga, "inventory", "completion", SagaLedger.CallbackState.FAILED);
        assertThat(b.get(saga)).as("a failed completion is called again").containsEntry("status", "active");
        assertThat(b.claim(saga, "inventory", "completion")).isTrue();
        b.callbackEnded(saga, "inventory", "completion", SagaLedger.CallbackState.DONE);
        assertThat(b.get(saga)).containsEntry("status", "completed");
        assertThat(metersB.get("interchange.saga.completed").counter().count()).isEqualTo(1);
        // A close recorded after all (the replica was only slow) counts nothing more.
        b.closed(saga);
        assertThat(metersB.get("interchange.saga.completed").counter().count()).isEqualTo(1);
    }

    @Test
    void aCallbackRepeatedWhileTheFirstRunsElsewhereFailsForARetryAndNeverReadsAsDone() {
        SimpleMeterRegistry metersA = new SimpleMeterRegistry();
        JdbcSagaLedger a = replica(metersA);
        JdbcSagaLedger b = replica(new SimpleMeterRegistry());
        String saga = sagaId();
        a.started(saga, "o-2");
        a.stepStarted(saga, "payment", "payment", "charge");
        a.stepEnded(saga, "payment", null);
        a.cancelled(saga, "shipping failed");
        assertThat(a.claim(saga, "payment", "compensation")).isTrue();

        assertThatThrownBy(() -> b.claim(saga, "payment", "compensation")).as("repeated while running on A")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
        assertThatThrownBy(() -> b.claim(saga, "payment", "completion")).as("the other outcome while running")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("still running");

        // The first compensation fails (no reply): the repeat may now run, and the refund is attempted again.
        a.callbackEnded(saga, "payment", "compensation", SagaLedger.CallbackState.FAILED);
        assertThat(b.get(saga)).containsEntry("status", "failed");
        assertThat(metersA.get("interchange.saga.callbacks.failed").tag("kind", "compensation")
                .tag("participant", "payment").counter().count()).as("counted by the replica that saw it fail")
                .isEqualTo(1);
        assertThat(b.claim(saga, "payment", "compensation")).as("after the failure: run again").isTrue();
        b.callbackEnded(saga, "payment", "compensation", SagaLedger.CallbackState.DONE);
        assertThat(a.claim(saga, "payment", "compensation")).as("after it was done: answered at once").isFalse();
        @SuppressWarnings("unchecked")
        Map<String, Object> step = ((List<Map<String, Object>>) a.get(saga).get("steps")).get(0);
        assertThat(step).containsEntry("compensation", "done").containsEntry("compensationAttempts", 2);
        assertThat(a.get(saga)).containsEntry("status", "compensated");
    }

    @Test
    void aCallbackLeftRunningByADeadReplicaIsTakenOverAfterTheLeaseAndTheDeadOnesOutcomeIsIgnored() {
        JdbcSagaLedger dead = replica(new SimpleMeterRegistry(), Duration.ofSeconds(1));
        JdbcSagaLedger alive = replica(new SimpleMeterRegistry(), Duration.ofSeconds(1));
        String saga = sagaId();
        dead.started(saga, "o-3");
        dead.stepStarted(saga, "inventory", "inventory", "reserve");
        dead.stepEnded(saga, "inventory", null);
        dead.cancelled(saga, "payment failed");
        assertThat(dead.claim(saga, "inventory", "compensation")).isTrue();

        assertThatThrownBy(() -> alive.claim(saga, "inventory", "compensation")).isInstanceOf(IllegalStateException.class);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> alive.claim(saga, "inventory", "compensation"));
        alive.callbackEnded(saga, "inventory", "compensation", SagaLedger.CallbackState.DONE);
        // The presumed-dead replica was only slow after all: its late outcome does not overwrite the real one.
        dead.callbackEnded(saga, "inventory", "compensation", SagaLedger.CallbackState.FAILED);
        assertThat(alive.get(saga)).containsEntry("status", "compensated");
    }

    @Test
    void concurrentClaimsOnTwoReplicasLetExactlyOneRun() throws Exception {
        JdbcSagaLedger a = replica(new SimpleMeterRegistry());
        JdbcSagaLedger b = replica(new SimpleMeterRegistry());
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                String saga = sagaId();
                a.started(saga, "o-race-" + round);
                a.stepStarted(saga, "order", "order", "create");
                a.cancelled(saga, "race");
                String kind = i2kind(round);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> claims = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    JdbcSagaLedger ledger = i % 2 == 0 ? a : b;
                    Callable<Boolean> claim = () -> {
                        go.await();
                        return ledger.claim(saga, "order", kind);
                    };
                    claims.add(threads.submit(claim));
                }
                go.countDown();
                int won = 0;
                for (Future<Boolean> claim : claims) {
                    try {
                        won += claim.get() ? 1 : 0;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
                    }
                }
                assertThat(won).as("round %d", round).isEqualTo(1);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static String i2kind(int round) {
        return round % 2 == 0 ? "compensation" : "completion";
    }

    @Test
    void sagasOfEveryReplicaAreListedByStatusOrderAndTimeAndFoundByUid() {
        JdbcSagaLedger a = replica(new SimpleMeterRegistry());
        JdbcSagaLedger b = replica(new SimpleMeterRegistry());
        Instant before = Instant.now().minusSeconds(1);
        String order = "o-list-" + UUID.randomUUID();
        String completed = sagaId();
        String compensated = sagaId();
        a.started(completed, order);
        a.closed(completed);
        b.started(compensated, order);
        b.stepStarted(compensated, "order", "order", "create");
        b.stepEnded(compensated, "order", "declined");
        b.cancelled(compensated, "declined");
        assertThat(a.claim(compensated, "order", "compensation")).isTrue();
        a.callbackEnded(compensated, "order", "compensation", SagaLedger.CallbackState.NOTHING_TO_DO);

        JdbcSagaLedger c = replica(new SimpleMeterRegistry());
        assertThat(c.list(new SagaLedger.Query(null, order, null, null, 10))).extracting(s -> s.get("id"))
                .containsExactly(compensated, completed);
        assertThat(c.list(new SagaLedger.Query(SagaLedger.Status.COMPENSATED, order, before, null, 10)))
                .extracting(s -> s.get("id")).containsExactly(compensated);
        assertThat(c.list(new SagaLedger.Query(null, order, null, before, 10))).isEmpty();
        Map<String, Object> one = c.get(SagaLedger.uid(compensated));
        assertThat(one).containsEntry("id", compensated).containsEntry("reason", "declined");
        @SuppressWarnings("unchecked")
        Map<String, Object> step = ((List<Map<String, Object>>) one.get("steps")).get(0);
        assertThat(step).containsEntry("status", "failed").containsEntry("compensation", "nothing_to_do")
                .containsEntry("compensationAttempts", 1).containsKey("compensationEnded").containsKey("durationMillis");
    }

    @Test
    void sagasUntouchedForTheRetentionAreDeleted() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        JdbcSagaLedger a = replica(meters);
        String saga = sagaId();
        a.started(saga, "o-old");
        a.closed(saga);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
            a.deleteExpired();
            return a.get(saga) == null;
        });
        assertThat(meters.get("interchange.saga.ledger.expired").counter().count()).isPositive();
    }

    /**
     * A step starting on one replica while the coordinator's compensation begins on another: the step either started
     * first and is among the steps to undo, or did not start at all. Never a step that acts after the decision.
     */
    @Test
    void aStepStartingWhileTheCompensationBeginsElsewhereIsEitherUndoneOrNeverStarts() throws Exception {
        JdbcSagaLedger a = replica(new SimpleMeterRegistry());
        JdbcSagaLedger b = replica(new SimpleMeterRegistry());
        ExecutorService threads = Executors.newFixedThreadPool(2);
        int started = 0;
        try {
            for (int round = 0; round < 30; round++) {
                String saga = sagaId();
                a.started(saga, "o-begin-" + round);
                assertThat(a.stepStarted(saga, "order", "order", "create")).isTrue();
                CountDownLatch go = new CountDownLatch(1);
                Future<Boolean> step = threads.submit(() -> {
                    go.await();
                    return a.stepStarted(saga, "inventory", "inventory", "reserve");
                });
                Future<List<String>> compensation = threads.submit(() -> {
                    go.await();
                    return b.beginCompensation(saga);
                });
                go.countDown();
                boolean stepStarted = step.get();
                List<String> toUndo = compensation.get();
                started += stepStarted ? 1 : 0;
                assertThat(toUndo.contains("inventory")).as("round %d", round).isEqualTo(stepStarted);
                assertThat(a.stepStarted(saga, "payment", "payment", "charge")).isFalse();
            }
        } finally {
            threads.shutdownNow();
        }
        System.out.printf("Step won the race in %d of 30 rounds%n", started);
    }
}

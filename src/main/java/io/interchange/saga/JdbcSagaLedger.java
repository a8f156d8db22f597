package io.interchange.saga;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The saga ledger in PostgreSQL ({@code interchange.saga.store=jdbc}), shared by every replica and kept across
 * restarts: whichever replica a coordinator callback reaches, and however often the gateway restarted since the saga
 * began, it sees the same record of which compensations and completions ran. Two tables: {@code interchange_saga}
 * (one row per saga) and {@code interchange_saga_step} (one per step, with its call and both callbacks).
 *
 * <p>A claim is one transaction that locks the saga's row ({@code FOR NO KEY UPDATE}, so two replicas handling
 * callbacks of one saga take turns) and decides exactly as {@link MemorySagaLedger} does. One difference: a callback
 * recorded as running for longer than {@code interchange.saga.callback-lease} is presumed dead with the replica that ran
 * it and may be claimed again, or a replica killed mid-callback would block the step forever. Times are the database's,
 * so the replicas' clocks do not matter. Sagas untouched for {@code interchange.saga.retention} are deleted every
 * {@code interchange.saga.cleanup-interval} by every replica (the deletes are idempotent).
 */
public class JdbcSagaLedger extends SagaLedger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcSagaLedger.class);

    static final String SAGAS = "interchange_saga";
    static final String STEPS = "interchange_saga_step";
    private static final long SCHEMA_LOCK = 0x5a6a_1ed6_e400L;

    private static final String STARTED = "INSERT INTO " + SAGAS + " (saga_id, uid, order_id, traceparent, status, known,"
            + " started_at, updated_at) VALUES (?, ?, ?, ?, 'ACTIVE', TRUE, now(), now()) ON CONFLICT (saga_id) DO UPDATE"
            + " SET order_id = EXCLUDED.order_id, traceparent = EXCLUDED.traceparent, known = TRUE, updated_at = now()";
    /**
     * Only while the saga is active; FOR SHARE waits for a compensation that is deciding which steps to undo (it holds
     * the row FOR NO KEY UPDATE), so a step either starts before that decision and is compensated, or not at all.
     */
    private static final String STEP_STARTED = "WITH s AS (SELECT saga_id FROM " + SAGAS + " WHERE saga_id = ? AND"
            + " status = 'ACTIVE' FOR SHARE) INSERT INTO " + STEPS + " (saga_id, step, participant, action, started_at)"
            + " SELECT s.saga_id, ?, ?, ?, clock_timestamp() FROM s ON CONFLICT (saga_id, step) DO UPDATE SET"
            + " participant = EXCLUDED.participant, action = EXCLUDED.action, started_at = EXCLUDED.started_at";
    private static final String STARTED_STEPS = "SELECT step FROM " + STEPS + " WHERE saga_id = ? AND started_at IS NOT"
            + " NULL ORDER BY seq";
    private static final String STEP_ENDED = "UPDATE " + STEPS + " SET ended_at = clock_timestamp(), error = ?"
            + " WHERE saga_id = ? AND step = ?";
    private static final String ORDER_ID = "SELECT order_id FROM " + SAGAS + " WHERE saga_id = ?";
    private static final String TRACEPARENT = "SELECT traceparent FROM " + SAGAS + " WHERE saga_id = ?";
    private static final String CLOSED = "UPDATE " + SAGAS + " SET status = 'COMPLETED', ended_at = clock_timestamp(),"
            + " updated_at = now() WHERE saga_id = ? AND ended_at IS NULL RETURNING started_at, ended_at";
    private static final String CANCELLED = "UPDATE " + SAGAS + " SET reason = ?, updated_at = now(), status = CASE"
            + " WHEN status = 'ACTIVE' THEN 'COMPENSATING' ELSE status END WHERE saga_id = ?";
    /** A saga known only from a callback: recorded so that a repeated callback is recognised, on any replica. */
    private static final String CALLBACK_SAGA = "INSERT INTO " + SAGAS + " (saga_id, uid, status, known, started_at,"
            + " updated_at) VALUES (?, ?, 'ACTIVE', FALSE, now(), now()) ON CONFLICT (saga_id) DO NOTHING";
    private static final String LOCK_SAGA = "SELECT status FROM " + SAGAS + " WHERE saga_id = ? FOR NO KEY UPDATE";
    /** Per callback kind: its state, and whether a running one is older than the lease (its replica died). */
    private static final String STEP_STATE = "SELECT compensation, compensation_started_at < now() - ? * INTERVAL"
            + " '1 millisecond', completion, completion_started_at < now() - ? * INTERVAL '1 millisecond' FROM " + STEPS
            + " WHERE saga_id = ? AND step = ?";
    private static final String TIMED_OUT = "UPDATE " + SAGAS + " SET status = 'COMPENSATING', reason = 'timed out',"
            + " updated_at = now() WHERE saga_id = ?";
    private static final String TOUCH = "UPDATE " + SAGAS + " SET updated_at = now() WHERE saga_id = ?";
    private static final String CLAIM_COMPENSATION = "INSERT INTO " + STEPS + " AS s (saga_id, step, compensation,"
            + " compensation_started_at, compensation_attempts) VALUES (?, ?, 'RUNNING', clock_timestamp(), 1)"
            + " ON CONFLICT (saga_id, step) DO UPDATE SET compensation = 'RUNNING', compensation_started_at ="
            + " clock_timestamp(), compensation_ended_at = NULL, compensation_attempts = s.compensation_attempts + 1";
    private static final String CLAIM_COMPLETION = "INSERT INTO " + STEPS + " AS s (saga_id, step, completion,"
            + " completion_started_at, completion_attempts) VALUES (?, ?, 'RUNNING', clock_timestamp(), 1)"
            + " ON CONFLICT (saga_id, step) DO UPDATE SET completion = 'RUNNING', completion_started_at ="
            + " clock_timestamp(), completion_ended_at = NULL, completion_attempts = s.completion_attempts + 1";
    private static final String COMPENSATION_ENDED = "UPDATE " + STEPS + " SET compensation = ?, compensation_ended_at ="
            + " clock_timestamp() WHERE saga_id = ? AND step = ? AND compensation = 'RUNNING'";
    private static final String COMPLETION_ENDED = "UPDATE " + STEPS + " SET completion = ?, completion_ended_at ="
            + " clock_timestamp() WHERE saga_id = ? AND step = ? AND completion = 'RUNNING'";
    private static final String SET_STATUS = "UPDATE " + SAGAS + " SET status = ?, updated_at = now() WHERE saga_id = ?";
    private static final String UNCOMPENSATED = "SELECT count(*), count(*) FILTER (WHERE compensation IS NULL OR"
            + " compensation NOT IN ('DONE', 'NOTHING_TO_DO')) FROM " + STEPS + " WHERE saga_id = ?";
    private static final String UNCOMPLETED = "SELECT count(*), count(*) FILTER (WHERE completion IS NULL OR"
            + " completion NOT IN ('DONE', 'NOTHING_TO_DO')) FROM " + STEPS + " WHERE saga_id = ?";
    private static final String COMPENSATED = "UPDATE " + SAGAS + " SET status = 'COMPENSATED', ended_at ="
            + " clock_timestamp(), updated_at = now() WHERE saga_id = ? AND ended_at IS NULL RETURNING started_at, ended_at";
    private static final String SAGA_COLUMNS = "saga_id, uid, order_id, status, reason, known, started_at, ended_at,"
            + " updated_at";
    private static final String STEP_COLUMNS = "saga_id, step, participant, action, started_at, ended_at, error,"
            + " compensation, compensation_started_at, compensation_ended_at, compensation_attempts, completion,"
            + " completion_started_at, completion_ended_at, completion_attempts";
    private static final String DELETE_OLD = "DELETE FROM " + SAGAS + " WHERE updated_at < now() - ? * INTERVAL"
            + " '1 millisecond'";

    private final DataSource dataSource;
    private final AutoCloseable ownedDataSource;
    private final long leaseMillis;
    private final Duration retention;
    private final ScheduledExecutorService cleanup;
    private final Counter expired;

    /**
     * @param ownedDataSource closed with the ledger when the ledger made it (no idempotency store shares it), else null
     */
    public JdbcSagaLedger(DataSource dataSource, AutoCloseable ownedDataSource, SagaProperties properties,
            MeterRegistry meters) {
        super(properties, meters);
        this.dataSource = dataSource;
        this.ownedDataSource = ownedDataSource;
        this.leaseMillis = properties.callbackLease().toMillis();
        this.retention = properties.retention();
        this.expired = Counter.builder("interchange.saga.ledger.expired")
                .description("Sagas deleted from the saga store after the retention").register(meters);
        migrate();
        this.cleanup = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "saga-ledger-cleanup");
            thread.setDaemon(true);
            return thread;
        });
        long every = properties.cleanupInterval().toMillis();
        cleanup.scheduleWithFixedDelay(this::cleanupQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** Creates the tables or adds what an older version lacks; every replica runs it on start, under a lock. */
    private void migrate() {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
                statement.execute("CREATE TABLE IF NOT EXISTS " + SAGAS + " (saga_id VARCHAR(1024) PRIMARY KEY,"
                        + " uid VARCHAR(1024) NOT NULL, order_id VARCHAR(1024), status VARCHAR(16) NOT NULL, reason TEXT,"
                        + " known BOOLEAN NOT NULL, started_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                        + " ended_at TIMESTAMP WITH TIME ZONE, updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
                // Added after the table first shipped: tables of older versions get it here, their sagas null.
                statement.execute("ALTER TABLE " + SAGAS + " ADD COLUMN IF NOT EXISTS traceparent VARCHAR(55)");
                statement.execute("CREATE INDEX IF NOT EXISTS " + SAGAS + "_uid ON " + SAGAS + " (uid)");
                statement.execute("CREATE INDEX IF NOT EXISTS " + SAGAS + "_started ON " + SAGAS + " (started_at)");
                statement.execute("CREATE INDEX IF NOT EXISTS " + SAGAS + "_order ON " + SAGAS + " (order_id)");
                statement.execute("CREATE INDEX IF NOT EXISTS " + SAGAS + "_updated ON " + SAGAS + " (updated_at)");
                statement.execute("CREATE TABLE IF NOT EXISTS " + STEPS + " (saga_id VARCHAR(1024) NOT NULL REFERENCES "
                        + SAGAS + " ON DELETE CASCADE, step VARCHAR(200) NOT NULL,"
                        + " seq BIGINT GENERATED BY DEFAULT AS IDENTITY, participant VARCHAR(200), action VARCHAR(200),"
                        + " started_at TIMESTAMP WITH TIME ZONE, ended_at TIMESTAMP WITH TIME ZONE, error TEXT,"
                        + " compensation VARCHAR(16), compensation_started_at TIMESTAMP WITH TIME ZONE,"
                        + " compensation_ended_at TIMESTAMP WITH TIME ZONE, compensation_attempts INTEGER NOT NULL DEFAULT 0,"
                        + " completion VARCHAR(16), completion_started_at TIMESTAMP WITH TIME ZONE,"
                        + " completion_ended_at TIMESTAMP WITH TIME ZONE, completion_attempts INTEGER NOT NULL DEFAULT 0,"
                        + " PRIMARY KEY (saga_id, step))");
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create or migrate the saga tables " + SAGAS + ", " + STEPS + ": "
                    + e.getMessage(), e);
        }
        LOG.info("Saga ledger in PostgreSQL tables {} and {} (retention {}, callback lease {} ms)", SAGAS, STEPS,
                retention, leaseMillis);
    }

    @Override
    public void started(String sagaId, String orderId, String traceparent) {
        update(STARTED, sagaId, uid(sagaId), orderId, traceparent);
        countStarted();
    }

    @Override
    public boolean stepStarted(String sagaId, String step, String participant, String action) {
        try (Connection connection = dataSource.getConnection()) {
            return execute(connection, STEP_STARTED, sagaId, step, participant, action) == 1;
        } catch (SQLException e) {
            throw failure("record a step of", sagaId, e);
        }
    }

    @Override
    public List<String> beginCompensation(String sagaId) {
        return inTransaction(sagaId, "begin the compensation of", connection -> {
            execute(connection, CALLBACK_SAGA, sagaId, uid(sagaId));
            String status;
            try (PreparedStatement lock = prepare(connection, LOCK_SAGA, sagaId); ResultSet row = lock.executeQuery()) {
                row.next();
                status = row.getString(1);
            }
            if ("ACTIVE".equals(status)) {
                // The coordinator compensates a saga no gateway cancelled: it timed out.
                execute(connection, TIMED_OUT, sagaId);
            }
            return steps(connection, sagaId);
        });
    }

    @Override
    public List<String> startedSteps(String sagaId) {
        try (Connection connection = dataSource.getConnection()) {
            return steps(connection, sagaId);
        } catch (SQLException e) {
            throw failure("read the steps of", sagaId, e);
        }
    }

    private static List<String> steps(Connection connection, String sagaId) throws SQLException {
        List<String> steps = new ArrayList<>();
        try (PreparedStatement select = prepare(connection, STARTED_STEPS, sagaId); ResultSet row = select.executeQuery()) {
            while (row.next()) {
                steps.add(row.getString(1));
            }
        }
        return steps;
    }

    @Override
    public void stepEnded(String sagaId, String step, String error) {
        update(STEP_ENDED, error, sagaId, step);
    }

    @Override
    public String orderId(String sagaId) {
        return column(ORDER_ID, sagaId, "read the order id of");
    }

    @Override
    public String traceparent(String sagaId) {
        return column(TRACEPARENT, sagaId, "read the trace context of");
    }

    /** The one column {@code select} reads from the saga's row, or null when there is no row. */
    private String column(String select, String sagaId, String what) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(select)) {
            statement.setString(1, sagaId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        } catch (SQLException e) {
            throw failure(what, sagaId, e);
        }
    }

    @Override
    public void closed(String sagaId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement(CLOSED)) {
            update.setString(1, sagaId);
            try (ResultSet row = update.executeQuery()) {
                if (row.next()) {
                    countCompleted(between(row.getTimestamp(1), row.getTimestamp(2)));
                }
            }
        } catch (SQLException e) {
            throw failure("record the close of", sagaId, e);
        }
    }

    @Override
    public void cancelled(String sagaId, String reason) {
        countFailed();
        inTransaction(sagaId, "record the cancel of", connection -> {
            execute(connection, LOCK_SAGA, sagaId);
            execute(connection, CANCELLED, reason, sagaId);
            settleCompensation(connection, sagaId);
            return null;
        });
    }

    @Override
    public boolean claim(String sagaId, String step, String kind) {
        boolean compensation = "compensation".equals(kind);
        return inTransaction(sagaId, "claim a " + kind + " of", connection -> {
            execute(connection, CALLBACK_SAGA, sagaId, uid(sagaId));
            String status;
            try (PreparedStatement lock = prepare(connection, LOCK_SAGA, sagaId); ResultSet row = lock.executeQuery()) {
                row.next();
                status = row.getString(1);
            }
            String current = null;
            boolean currentStale = false;
            String other = null;
            boolean otherStale = false;
            try (PreparedStatement select = prepare(connection, STEP_STATE, leaseMillis, leaseMillis, sagaId, step);
                    ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    current = row.getString(compensation ? 1 : 3);
                    currentStale = row.getBoolean(compensation ? 2 : 4);
                    other = row.getString(compensation ? 3 : 1);
                    otherStale = row.getBoolean(compensation ? 4 : 2);
                }
            }
            String otherKind = compensation ? "completion" : "compensation";
            if ("RUNNING".equals(other) && !otherStale) {
                throw new IllegalStateException("The " + otherKind + " of step " + step + " in saga " + sagaId
                        + " is still running; call again later");
            }
            if ("DONE".equals(other) || "NOTHING_TO_DO".equals(other)) {
                countRefused();
                LOG.warn("Refused the {} of step {} in saga {}: its {} already ran", kind, step, sagaId, otherKind);
                execute(connection, TOUCH, sagaId);
                return false;
            }
            if ("RUNNING".equals(current) && !currentStale) {
                throw new IllegalStateException("The " + kind + " of step " + step + " in saga " + sagaId
                        + " is already running; call again later");
            }
            if ("DONE".equals(current) || "NOTHING_TO_DO".equals(current)) {
                execute(connection, TOUCH, sagaId);
                return false;
            }
            if ("RUNNING".equals(current)) {
                LOG.warn("The {} of step {} in saga {} was still recorded as running after the callback lease: its"
                        + " replica is presumed dead, running it again", kind, step, sagaId);
            }
            if (compensation && "ACTIVE".equals(status)) {
                // The coordinator compensates a saga no gateway cancelled: it timed out.
                execute(connection, TIMED_OUT, sagaId);
            } else {
                execute(connection, TOUCH, sagaId);
            }
            execute(connection, compensation ? CLAIM_COMPENSATION : CLAIM_COMPLETION, sagaId, step);
            return true;
        });
    }

    @Override
    protected void recordCallbackEnd(String sagaId, String step, String kind, CallbackState state) {
        boolean compensation = "compensation".equals(kind);
        inTransaction(sagaId, "record the end of a " + kind + " of", connection -> {
            String status;
            try (PreparedStatement lock = prepare(connection, LOCK_SAGA, sagaId); ResultSet row = lock.executeQuery()) {
                if (!row.next()) {
                    return null; // deleted after the retention meanwhile
                }
                status = row.getString(1);
            }
            int changed = execute(connection, compensation ? COMPENSATION_ENDED : COMPLETION_ENDED, state.name(), sagaId,
                    step);
            if (changed == 0) {
                return null; // taken over by another replica after the lease: its outcome counts
            }
            if (compensation) {
                if (state == CallbackState.FAILED) {
                    execute(connection, SET_STATUS, "FAILED", sagaId);
                } else if ("FAILED".equals(status)) {
                    execute(connection, SET_STATUS, "COMPENSATING", sagaId);
                }
                settleCompensation(connection, sagaId);
            } else if ("ACTIVE".equals(status) && state != CallbackState.FAILED) {
                settleCompletion(connection, sagaId);
            } else {
                execute(connection, TOUCH, sagaId);
            }
            return null;
        });
    }

    /**
     * An active saga whose steps' completions all ran is completed. The coordinator calls the completion only once the
     * LRA is closing, so every step succeeded; the replica that ran the saga records the close too, but it may have died
     * between the close and that record, and the saga would then stay active in the store.
     */
    private void settleCompletion(Connection connection, String sagaId) throws SQLException {
        try (PreparedStatement count = prepare(connection, UNCOMPLETED, sagaId); ResultSet row = count.executeQuery()) {
            row.next();
            if (row.getLong(1) == 0 || row.getLong(2) > 0) {
                execute(connection, TOUCH, sagaId);
                return;
            }
        }
        try (PreparedStatement update = prepare(connection, CLOSED, sagaId); ResultSet row = update.executeQuery()) {
            if (row.next()) {
                countCompleted(between(row.getTimestamp(1), row.getTimestamp(2)));
            }
        }
    }

    /** A compensating saga whose steps are all compensated (or had nothing to undo) is compensated. */
    private void settleCompensation(Connection connection, String sagaId) throws SQLException {
        try (PreparedStatement select = prepare(connection, "SELECT status FROM " + SAGAS + " WHERE saga_id = ?", sagaId);
                ResultSet row = select.executeQuery()) {
            if (!row.next() || !"COMPENSATING".equals(row.getString(1))) {
                return;
            }
        }
        try (PreparedStatement count = prepare(connection, UNCOMPENSATED, sagaId); ResultSet row = count.executeQuery()) {
            row.next();
            if (row.getLong(1) == 0 || row.getLong(2) > 0) {
                return;
            }
        }
        try (PreparedStatement update = prepare(connection, COMPENSATED, sagaId); ResultSet row = update.executeQuery()) {
            if (row.next()) {
                countCompensated(between(row.getTimestamp(1), row.getTimestamp(2)));
            }
        }
    }

    @Override
    public List<Map<String, Object>> list(Query query) {
        StringBuilder sql = new StringBuilder("SELECT " + SAGA_COLUMNS + " FROM " + SAGAS + " WHERE TRUE");
        List<Object> args = new ArrayList<>();
        if (query.status() != null) {
            sql.append(" AND status = ?");
            args.add(query.status().name());
        }
        if (query.orderId() != null) {
            sql.append(" AND order_id = ?");
            args.add(query.orderId());
        }
        if (query.from() != null) {
            sql.append(" AND started_at >= ?");
            args.add(Timestamp.from(query.from()));
        }
        if (query.to() != null) {
            sql.append(" AND started_at < ?");
            args.add(Timestamp.from(query.to()));
        }
        sql.append(" ORDER BY started_at DESC LIMIT ?");
        args.add(query.limit());
        return read(sql.toString(), args.toArray());
    }

    @Override
    public Map<String, Object> get(String sagaIdOrUid) {
        List<Map<String, Object>> found = read("SELECT " + SAGA_COLUMNS + " FROM " + SAGAS
                + " WHERE saga_id = ? OR uid = ? ORDER BY (saga_id = ?) DESC, started_at DESC LIMIT 1",
                sagaIdOrUid, sagaIdOrUid, sagaIdOrUid);
        return found.isEmpty() ? null : found.get(0);
    }

    private List<Map<String, Object>> read(String sql, Object... args) {
        try (Connection connection = dataSource.getConnection()) {
            Map<String, Map<String, Object>> sagas = new LinkedHashMap<>();
            try (PreparedStatement select = prepare(connection, sql, args); ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    Map<String, Object> view = new LinkedHashMap<>();
                    String id = row.getString("saga_id");
                    Instant started = instant(row.getTimestamp("started_at"));
                    Instant ended = instant(row.getTimestamp("ended_at"));
                    view.put("id", id);
                    view.put("uid", row.getString("uid"));
                    view.put("known", row.getBoolean("known"));
                    view.put("orderId", row.getString("order_id"));
                    view.put("status", row.getString("status").toLowerCase());
                    view.put("started", started.toString());
                    view.put("ended", ended == null ? null : ended.toString());
                    view.put("durationMillis", Duration.between(started, ended == null ? Instant.now() : ended).toMillis());
                    view.put("updated", instant(row.getTimestamp("updated_at")).toString());
                    view.put("reason", row.getString("reason"));
                    view.put("steps", new ArrayList<Map<String, Object>>());
                    sagas.put(id, view);
                }
            }
            if (sagas.isEmpty()) {
                return List.of();
            }
            Array ids = connection.createArrayOf("varchar", sagas.keySet().toArray());
            try (PreparedStatement select = prepare(connection, "SELECT " + STEP_COLUMNS + " FROM " + STEPS
                    + " WHERE saga_id = ANY(?) ORDER BY seq", ids); ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> steps = (List<Map<String, Object>>) sagas.get(row.getString("saga_id"))
                            .get("steps");
                    steps.add(stepView(row));
                }
            }
            return new ArrayList<>(sagas.values());
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read sagas from " + SAGAS + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> stepView(ResultSet row) throws SQLException {
        Map<String, Object> view = new LinkedHashMap<>();
        Instant started = instant(row.getTimestamp("started_at"));
        Instant ended = instant(row.getTimestamp("ended_at"));
        String error = row.getString("error");
        view.put("step", row.getString("step"));
        view.put("participant", row.getString("participant"));
        view.put("action", row.getString("action"));
        view.put("status", started == null ? "unknown" : ended == null ? "running" : error == null ? "done" : "failed");
        view.put("started", started == null ? null : started.toString());
        view.put("durationMillis", started == null || ended == null ? null : Duration.between(started, ended).toMillis());
        view.put("error", error);
        String compensation = row.getString("compensation");
        String completion = row.getString("completion");
        view.put("compensation", compensation == null ? null : compensation.toLowerCase());
        view.put("completion", completion == null ? null : completion.toLowerCase());
        MemorySagaLedger.callbackTimes(view, "compensation", instant(row.getTimestamp("compensation_started_at")),
                instant(row.getTimestamp("compensation_ended_at")), row.getInt("compensation_attempts"));
        MemorySagaLedger.callbackTimes(view, "completion", instant(row.getTimestamp("completion_started_at")),
                instant(row.getTimestamp("completion_ended_at")), row.getInt("completion_attempts"));
        return view;
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** Deletes sagas untouched for the retention; returns how many. */
    public long deleteExpired() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = prepare(connection, DELETE_OLD, retention.toMillis())) {
            long deleted = delete.executeUpdate();
            expired.increment(deleted);
            return deleted;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot delete expired sagas: " + e.getMessage(), e);
        }
    }

    private void cleanupQuietly() {
        try {
            long deleted = deleteExpired();
            if (deleted > 0) {
                LOG.info("Deleted {} sagas untouched for {}", deleted, retention);
            }
        } catch (RuntimeException e) {
            LOG.warn("Saga ledger cleanup failed, next try in a cleanup interval: {}", e.getMessage());
        }
    }

    @Override
    public void close() throws Exception {
        cleanup.shutdownNow();
        if (ownedDataSource != null) {
            ownedDataSource.close();
        }
    }

    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T inTransaction(String sagaId, String what, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(what, sagaId, e);
        }
    }

    private void update(String sql, Object... args) {
        try (Connection connection = dataSource.getConnection()) {
            execute(connection, sql, args);
        } catch (SQLException e) {
            throw failure("write", String.valueOf(args[0]), e);
        }
    }

    private static int execute(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, args)) {
            if (statement.execute()) {
                return 1;
            }
            return statement.getUpdateCount();
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... args) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            statement.setObject(i + 1, args[i]);
        }
        return statement;
    }

    private static IllegalStateException failure(String what, String sagaId, SQLException e) {
        return new IllegalStateException("Saga store: cannot " + what + " saga " + SagaCallbackVerifier.printable(sagaId)
                + ": " + e.getMessage(), e);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static Duration between(Timestamp from, Timestamp to) {
        return Duration.between(from.toInstant(), to.toInstant());
    }
}

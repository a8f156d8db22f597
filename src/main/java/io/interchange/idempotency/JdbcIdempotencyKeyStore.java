package io.interchange.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys in a PostgreSQL table shared by every replica. Each operation is one auto-committed statement,
 * so a reservation is visible to the other replicas at once; the primary key makes two replicas that
 * reserve the same key at the same moment see one winner ({@code INSERT ... ON CONFLICT}). Times are
 * the database's ({@code now()}), so the replicas' clocks do not matter.
 *
 * <p>The table is created, or brought up to date, when the store starts, under an advisory lock so
 * replicas starting together do not race on the DDL.
 */
public class JdbcIdempotencyKeyStore implements IdempotencyKeyStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcIdempotencyKeyStore.class);

    static final String TABLE = "interchange_idempotency";
    /** Keys longer than this are stored as their SHA-256 (a B-tree entry must stay well under 2.7 kB). */
    static final int MAX_KEY_CHARS = 512;
    private static final long SCHEMA_LOCK = 0x1d3e_7c0f_5a11L;

    private static final String RESERVE = "INSERT INTO " + TABLE + " AS t (namespace, message_key, confirmed, created_at)"
            + " VALUES (?, ?, FALSE, now()) ON CONFLICT (namespace, message_key) DO UPDATE"
            + " SET confirmed = FALSE, created_at = now()"
            // take over a reservation whose lease ran out, or a confirmation past the retention
            + " WHERE (NOT t.confirmed AND t.created_at < now() - ? * INTERVAL '1 millisecond')"
            + " OR t.created_at < now() - ? * INTERVAL '1 millisecond'";
    /**
     * RESERVE for an array of distinct keys; returns the keys it reserved. Every batched statement locks its
     * rows in one order (byte order, COLLATE "C"), so replicas cannot deadlock each other.
     */
    private static final String RESERVE_ALL = "INSERT INTO " + TABLE + " AS t (namespace, message_key, confirmed, created_at)"
            + " SELECT ?, u.k, FALSE, now() FROM unnest(?::varchar[]) AS u(k) ORDER BY u.k COLLATE \"C\""
            + " ON CONFLICT (namespace, message_key) DO UPDATE SET confirmed = FALSE, created_at = now()"
            + " WHERE (NOT t.confirmed AND t.created_at < now() - ? * INTERVAL '1 millisecond')"
            + " OR t.created_at < now() - ? * INTERVAL '1 millisecond'"
            + " RETURNING message_key";
    private static final String STATE_ALL = "SELECT message_key, confirmed FROM " + TABLE
            + " WHERE namespace = ? AND message_key = ANY(?::varchar[])";
    private static final String CONFIRM_ALL = "INSERT INTO " + TABLE + " (namespace, message_key, confirmed, created_at)"
            + " SELECT ?, u.k, TRUE, now() FROM unnest(?::varchar[]) AS u(k) ORDER BY u.k COLLATE \"C\""
            + " ON CONFLICT (namespace, message_key) DO UPDATE SET confirmed = TRUE, created_at = now()";
    private static final String RELEASE_ALL = "WITH locked AS (SELECT ctid FROM " + TABLE
            + " WHERE namespace = ? AND message_key = ANY(?::varchar[]) AND NOT confirmed"
            + " ORDER BY message_key COLLATE \"C\" FOR UPDATE)"
            + " DELETE FROM " + TABLE + " WHERE ctid IN (SELECT ctid FROM locked)";
    private static final String STATE = "SELECT confirmed FROM " + TABLE + " WHERE namespace = ? AND message_key = ?";
    private static final String CONFIRM = "UPDATE " + TABLE + " SET confirmed = TRUE, created_at = now()"
            + " WHERE namespace = ? AND message_key = ?";
    private static final String CONFIRM_MISSING = "INSERT INTO " + TABLE + " (namespace, message_key, confirmed, created_at)"
            + " VALUES (?, ?, TRUE, now()) ON CONFLICT (namespace, message_key) DO UPDATE SET confirmed = TRUE,"
            + " created_at = now()";
    private static final String RELEASE = "DELETE FROM " + TABLE
            + " WHERE namespace = ? AND message_key = ? AND NOT confirmed";
    private static final String IS_CONFIRMED = "SELECT 1 FROM " + TABLE + " WHERE namespace = ? AND message_key = ?"
            + " AND confirmed AND created_at >= now() - ? * INTERVAL '1 millisecond'";
    private static final String DELETE_OLD = "DELETE FROM " + TABLE
            + " WHERE namespace = ? AND created_at < now() - ? * INTERVAL '1 millisecond'";
    private static final String COUNT = "SELECT count(*) FROM " + TABLE + " WHERE namespace = ?";
    private static final String CLEAR = "DELETE FROM " + TABLE + " WHERE namespace = ?";

    private final DataSource dataSource;
    private final String namespace;

    public JdbcIdempotencyKeyStore(DataSource dataSource, String namespace) {
        this.dataSource = dataSource;
        this.namespace = namespace;
    }

    /** Creates the table or adds what an older version of it lacks; safe to run on every start by every replica. */
    public void migrate() {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
                statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (namespace VARCHAR(200) NOT NULL,"
                        + " message_key VARCHAR(" + MAX_KEY_CHARS + ") NOT NULL, PRIMARY KEY (namespace, message_key))");
                statement.execute("ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS confirmed BOOLEAN NOT NULL DEFAULT FALSE");
                statement.execute("ALTER TABLE " + TABLE
                        + " ADD COLUMN IF NOT EXISTS created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()");
                statement.execute("CREATE INDEX IF NOT EXISTS " + TABLE + "_created_at ON " + TABLE + " (created_at)");
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create or migrate the idempotency table " + TABLE + ": "
                    + e.getMessage(), e);
        }
        LOG.info("Idempotency keys in PostgreSQL table {} (namespace '{}')", TABLE, namespace);
    }

    @Override
    public Reservation reserve(String key, Duration lease, Duration retention) {
        String stored = stored(key);
        try (Connection connection = dataSource.getConnection()) {
            // The key may be released between the insert and the look-up: then try again.
            for (int attempt = 0; attempt < 3; attempt++) {
                try (PreparedStatement insert = connection.prepareStatement(RESERVE)) {
                    insert.setString(1, namespace);
                    insert.setString(2, stored);
                    insert.setLong(3, lease.toMillis());
                    insert.setLong(4, retention.toMillis());
                    if (insert.executeUpdate() == 1) {
                        return Reservation.RESERVED;
                    }
                }
                try (PreparedStatement state = connection.prepareStatement(STATE)) {
                    state.setString(1, namespace);
                    state.setString(2, stored);
                    try (ResultSet row = state.executeQuery()) {
                        if (row.next()) {
                            return row.getBoolean(1) ? Reservation.CONFIRMED : Reservation.IN_PROGRESS;
                        }
                    }
                }
            }
            return Reservation.IN_PROGRESS;
        } catch (SQLException e) {
            throw new IdempotencyStoreException("reserve", e);
        }
    }

    /**
     * One INSERT ... ON CONFLICT for all keys, then one look-up of those another exchange holds; a key
     * released between the two is tried again (three rounds, then reported in progress).
     */
    @Override
    public Map<String, Reservation> reserveAll(Collection<String> keys, Duration lease, Duration retention) {
        Map<String, String> byStored = byStored(keys);
        Map<String, Reservation> result = new HashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            for (int attempt = 0; attempt < 3 && !byStored.isEmpty(); attempt++) {
                try (PreparedStatement insert = connection.prepareStatement(RESERVE_ALL)) {
                    insert.setString(1, namespace);
                    insert.setArray(2, connection.createArrayOf("varchar", byStored.keySet().toArray()));
                    insert.setLong(3, lease.toMillis());
                    insert.setLong(4, retention.toMillis());
                    try (ResultSet rows = insert.executeQuery()) {
                        while (rows.next()) {
                            result.put(byStored.remove(rows.getString(1)), Reservation.RESERVED);
                        }
                    }
                }
                if (byStored.isEmpty()) {
                    break;
                }
                try (PreparedStatement state = connection.prepareStatement(STATE_ALL)) {
                    state.setString(1, namespace);
                    state.setArray(2, connection.createArrayOf("varchar", byStored.keySet().toArray()));
                    try (ResultSet rows = state.executeQuery()) {
                        while (rows.next()) {
                            result.put(byStored.remove(rows.getString(1)),
                                    rows.getBoolean(2) ? Reservation.CONFIRMED : Reservation.IN_PROGRESS);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IdempotencyStoreException("reserve", e);
        }
        byStored.values().forEach(key -> result.put(key, Reservation.IN_PROGRESS));
        return result;
    }

    @Override
    public void confirmAll(Collection<String> keys) {
        updateAll(CONFIRM_ALL, "confirm", keys);
    }

    @Override
    public void releaseAll(Collection<String> keys) {
        updateAll(RELEASE_ALL, "release", keys);
    }

    private void updateAll(String sql, String operation, Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, namespace);
            statement.setArray(2, connection.createArrayOf("varchar", byStored(keys).keySet().toArray()));
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IdempotencyStoreException(operation, e);
        }
    }

    /** Stored form -> key. The statements sort the keys themselves (COLLATE "C"): no order needed here. */
    private static Map<String, String> byStored(Collection<String> keys) {
        Map<String, String> byStored = new HashMap<>();
        keys.forEach(key -> byStored.put(stored(key), key));
        return byStored;
    }

    @Override
    public void confirm(String key) {
        String stored = stored(key);
        try (Connection connection = dataSource.getConnection()) {
            int updated;
            try (PreparedStatement update = connection.prepareStatement(CONFIRM)) {
                update.setString(1, namespace);
                update.setString(2, stored);
                updated = update.executeUpdate();
            }
            if (updated == 0) {
                // The reservation was removed meanwhile (cleanup, clear): record the processing anyway.
                try (PreparedStatement insert = connection.prepareStatement(CONFIRM_MISSING)) {
                    insert.setString(1, namespace);
                    insert.setString(2, stored);
                    insert.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw new IdempotencyStoreException("confirm", e);
        }
    }

    @Override
    public void release(String key) {
        update(RELEASE, "release", stored(key));
    }

    @Override
    public boolean isConfirmed(String key, Duration retention) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(IS_CONFIRMED)) {
            query.setString(1, namespace);
            query.setString(2, stored(key));
            query.setLong(3, retention.toMillis());
            try (ResultSet row = query.executeQuery()) {
                return row.next();
            }
        } catch (SQLException e) {
            throw new IdempotencyStoreException("contains", e);
        }
    }

    @Override
    public long deleteOlderThan(Duration retention) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(DELETE_OLD)) {
            delete.setString(1, namespace);
            delete.setLong(2, retention.toMillis());
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw new IdempotencyStoreException("cleanup", e);
        }
    }

    @Override
    public long size() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement count = connection.prepareStatement(COUNT)) {
            count.setString(1, namespace);
            try (ResultSet row = count.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw new IdempotencyStoreException("count", e);
        }
    }

    @Override
    public void clear() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement clear = connection.prepareStatement(CLEAR)) {
            clear.setString(1, namespace);
            clear.executeUpdate();
        } catch (SQLException e) {
            throw new IdempotencyStoreException("clear", e);
        }
    }

    @Override
    public String name() {
        return "jdbc";
    }

    private void update(String sql, String operation, String stored) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, namespace);
            statement.setString(2, stored);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IdempotencyStoreException(operation, e);
        }
    }

    static String stored(String key) {
        if (key.length() <= MAX_KEY_CHARS) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

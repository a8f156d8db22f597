package io.interchange.saga;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.BiConsumer;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Hands a participant's reply to the replica that waits for it, when another replica read it. Replies come back on
 * one queue or topic per broker, shared by every replica (competing consumers: participants need no per-replica
 * address, and a replica's death leaves no queue, topic or consumer group behind); a replica that reads a reply no
 * step of its own waits for publishes it on the PostgreSQL channel {@value #CHANNEL} of the saga store's database
 * ({@code pg_notify}), which every replica listens on with one connection of its own. The waiting one takes it; the
 * others, and the sender itself, find no waiter and drop it. A reply whose waiter died is dropped everywhere: the saga
 * is then compensated when its time limit expires, as before.
 *
 * <p>Only with {@code interchange.saga.store=jdbc}. PostgreSQL delivers a notification to every listener connected
 * when it is committed, in commit order; a replica that is reconnecting misses what was sent meanwhile (its waiting
 * steps then time out and are compensated), so the listener reconnects at once.
 */
public class SagaReplyRelay implements AutoCloseable {

    static final String CHANNEL = "interchange_saga_replies";
    /** PostgreSQL refuses payloads of 8,000 bytes and more: reasons are cut well below that. */
    private static final int MAX_REASON_CHARS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(SagaReplyRelay.class);

    private final DataSource dataSource;
    private final ObjectMapper json = new ObjectMapper();
    private final Counter relayed;
    private final Counter received;
    private volatile BiConsumer<String, SagaParticipants.Reply> listener;
    private volatile boolean running = true;
    private volatile Connection listening;
    private final Thread thread;

    public SagaReplyRelay(DataSource dataSource, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.relayed = Counter.builder("interchange.saga.replies.relayed")
                .description("Participant replies read by this replica for a step another replica waits for, passed on"
                        + " through PostgreSQL").register(meters);
        this.received = Counter.builder("interchange.saga.replies.relay.received")
                .description("Replies passed on by another replica that a step of this replica waited for").register(meters);
        this.thread = new Thread(this::listen, "saga-reply-relay");
        thread.setDaemon(true);
    }

    /** Starts listening; {@code onReply} gets every relayed reply (correlation id, reply), on the listener thread. */
    public void start(BiConsumer<String, SagaParticipants.Reply> onReply) {
        this.listener = onReply;
        thread.start();
    }

    /** Passes on a reply this replica has no waiter for. */
    public void forward(String correlationId, SagaParticipants.Reply reply) {
        ObjectNode payload = json.createObjectNode();
        payload.put("c", correlationId);
        payload.put("o", reply.outcome());
        if (reply.reason() != null) {
            payload.put("r", reply.reason().length() > MAX_REASON_CHARS ? reply.reason().substring(0, MAX_REASON_CHARS)
                    : reply.reason());
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, payload.toString());
            notify.execute();
            relayed.increment();
        } catch (SQLException e) {
            // The reply is lost for the waiting replica: its step times out and the saga is compensated.
            LOG.warn("Could not pass on the saga reply {} to the other replicas: {}", correlationId, e.getMessage());
        }
    }

    void received() {
        received.increment();
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                listening = connection;
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                LOG.info("Listening for saga replies read by other replicas (PostgreSQL channel {})", CHANNEL);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification notification : notifications) {
                        deliver(notification.getParameter());
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.warn("Saga reply relay lost its PostgreSQL connection, listening again: {}", e.getMessage());
                    pause();
                }
            } finally {
                listening = null;
            }
        }
    }

    private void deliver(String payload) {
        try {
            JsonNode reply = json.readTree(payload);
            listener.accept(reply.path("c").asText(), new SagaParticipants.Reply(reply.path("o").asText("failed"),
                    reply.hasNonNull("r") ? reply.get("r").asText() : null));
        } catch (Exception e) {
            LOG.warn("Dropped an unreadable relayed saga reply: {}", e.getMessage());
        }
    }

    /** After a failed connection, so that a database that is away is not hammered; not a test wait. */
    private void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        thread.interrupt();
        Connection connection = listening;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
        thread.join(5000);
    }
}

package org.weltgewebe.persistence.readmodel;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.persistence.outbox.Reconciler;

/**
 * Drops every read model and builds it again from the event stream: first the reconciler makes the
 * stream whole from the journal (so a stream that lost events still yields complete read models),
 * then the tables and the consumer's record of applied events are emptied, the durable consumer is
 * deleted so that it starts again from the stream's first message, and a consumer replays until
 * nothing is pending.
 *
 * <p>A node that runs the outbox while this happens loses its subscription (the durable consumer is
 * gone), re-creates it and joins the replay; the projection applies each event once, whoever gets it.
 */
public final class ReadModelRebuild {
  /** What the rebuild did. */
  public record Result(Reconciler.Repair repair, long eventsApplied, Duration took) {}

  private static final String[] TABLES = {"rm_knot", "rm_thread", "rm_conversation", "rm_role",
      "rm_proposal", "rm_proposal_vote", "rm_delegation", "rm_account", "rm_ledger"};

  /** PostgreSQL's SQLSTATE for a transaction aborted to break a deadlock. */
  private static final String DEADLOCK = "40P01";
  private static final int EMPTYING_ATTEMPTS = 5;

  private ReadModelRebuild() {}

  /** Rebuilds the read models of {@code consumer}; gives up when the replay stalls for {@code patience}. */
  public static Result run(
      DatabaseSettings db, NatsSettings nats, OutboxSettings outbox, String consumer, EventDecoder decoder,
      Duration patience) throws Exception {
    long started = System.nanoTime();
    Reconciler.Repair repair = new Reconciler(db, nats, outbox).repair();
    emptyTables(db, consumer);
    deleteDurable(nats, consumer);
    try (ReadModelConsumer replay = ReadModelConsumer.start(db, nats, consumer, decoder, RegionFeed.none())) {
      long lastProgress = System.nanoTime();
      long lastApplied = -1;
      while (true) {
        Thread.sleep(200);
        Optional<ConsumerInfo> info = replay.consumerInfo();
        long applied = replay.metrics().applied() + replay.metrics().duplicates();
        if (info.isPresent() && info.get().getNumPending() == 0 && info.get().getNumAckPending() == 0 && applied > 0) {
          break;
        }
        if (info.isPresent() && info.get().getNumPending() == 0 && info.get().getNumAckPending() == 0
            && streamIsEmpty(nats)) {
          break;
        }
        if (applied != lastApplied) {
          lastApplied = applied;
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > patience.toNanos()) {
          throw new IllegalStateException(
              "read-model replay made no progress for " + patience.toSeconds() + " s after " + applied + " events");
        }
      }
      return new Result(repair, replay.metrics().applied(), Duration.ofNanos(System.nanoTime() - started));
    }
  }

  /**
   * Empties the read models and the consumer's record of applied events in one transaction. A
   * running node's consumer may hold one of the tables while it waits for another that the
   * TRUNCATE already holds; PostgreSQL then aborts one of the two (deadlock, 40P01), and the
   * emptying is tried again (the consumer retries its batch on its own).
   */
  private static void emptyTables(DatabaseSettings db, String consumer) throws SQLException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try (java.sql.Connection c = db.connect(); Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        s.execute("TRUNCATE " + String.join(", ", TABLES));
        try (var delete = c.prepareStatement("DELETE FROM rm_applied_event WHERE consumer = ?")) {
          delete.setString(1, consumer);
          delete.executeUpdate();
        }
        c.commit();
        return;
      } catch (SQLException e) {
        if (!DEADLOCK.equals(e.getSQLState()) || attempt == EMPTYING_ATTEMPTS) {
          throw e;
        }
        Thread.sleep(100L * attempt);
      }
    }
  }

  private static void deleteDurable(NatsSettings nats, String consumer) throws IOException, InterruptedException {
    try (Connection connection = nats.connect("read-model-rebuild")) {
      connection.jetStreamManagement().deleteConsumer(nats.stream(), consumer);
    } catch (JetStreamApiException e) {
      // no such consumer yet: nothing to reset
    }
  }

  private static boolean streamIsEmpty(NatsSettings nats) throws IOException, InterruptedException {
    try (Connection connection = nats.connect("read-model-rebuild")) {
      return connection.jetStreamManagement().getStreamInfo(nats.stream()).getStreamState().getMsgCount() == 0;
    } catch (JetStreamApiException e) {
      return true;
    }
  }
}

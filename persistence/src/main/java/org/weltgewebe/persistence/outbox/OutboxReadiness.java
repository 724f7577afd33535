package org.weltgewebe.persistence.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * Whether the outbox can publish, as a node's readiness sees it: the relay's replication slot
 * exists, a relay is reading it, and no event has waited longer than {@code maxLag} beyond the
 * slot's confirmed position. Read from PostgreSQL, so every node of the cluster answers alike,
 * whichever one holds the outbox singleton.
 *
 * <p>The wait is measured without a WAL-to-time mapping: when the confirmed position has not moved
 * since it was first seen, every journal row written after that moment is unconfirmed, and the
 * oldest of them tells how long the outbox has been stuck. WAL that other databases of the same
 * server write moves nothing here (a relay only confirms what it published).
 */
public final class OutboxReadiness {
  private final DatabaseSettings db;
  private final String slot;
  private final Duration maxLag;
  private final Clock clock;
  private String confirmedSeen;
  private long orderingWhenSeen;

  public OutboxReadiness(DatabaseSettings db, OutboxSettings outbox, Duration maxLag, Clock clock) {
    this.db = db.direct();
    this.slot = outbox.slot();
    this.maxLag = maxLag;
    this.clock = clock;
  }

  /** Why the outbox cannot publish now; empty while it can. */
  public synchronized Optional<String> problem() {
    try (Connection c = db.connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT active, confirmed_flush_lsn::text, (SELECT COALESCE(MAX(ordering), 0) FROM event_journal)"
                + " FROM pg_replication_slots WHERE slot_name = ?")) {
      s.setString(1, slot);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          forget();
          return Optional.of("replication slot " + slot + " is missing: the outbox relay has not started (yet)");
        }
        boolean active = r.getBoolean(1);
        String confirmed = r.getString(2);
        long maxOrdering = r.getLong(3);
        if (!active) {
          forget();
          return Optional.of("no outbox relay reads replication slot " + slot);
        }
        // A slot the relay has just created has confirmed nothing yet (confirmed_flush_lsn is null).
        if (!Objects.equals(confirmed, confirmedSeen)) {
          confirmedSeen = confirmed;
          orderingWhenSeen = maxOrdering;
          return Optional.empty();
        }
        return oldestUnconfirmed(c).filter(age -> age.compareTo(maxLag) > 0).map(age -> String.format(
            "the outbox has not confirmed an event for %d s (slot %s at %s; weltgewebe.outbox.readiness.max-lag = %d s)",
            age.toSeconds(), slot, confirmed, maxLag.toSeconds()));
      }
    } catch (SQLException e) {
      return Optional.of("cannot read the outbox's replication slot: " + e.getMessage());
    }
  }

  /** Age of the oldest journal row written after the confirmed position was first seen. */
  private Optional<Duration> oldestUnconfirmed(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT MIN(write_timestamp) FROM event_journal WHERE ordering > ?")) {
      s.setLong(1, orderingWhenSeen);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        long written = r.getLong(1);
        return r.wasNull() ? Optional.empty() : Optional.of(Duration.between(Instant.ofEpochMilli(written), clock.instant()));
      }
    }
  }

  private void forget() {
    confirmedSeen = null;
  }
}

package org.weltgewebe.persistence.privacy;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * Enforces the retention of the data classes that the platform keeps only for a while
 * ({@code weltgewebe.retention}, docs/privacy.md gives each default and its reason). One class is
 * swept here; the others are bounded where they live (JetStream's max_age on the streams, the
 * revocation bucket's TTL) or by forgetting (personal data).
 *
 * <ul>
 *   <li>{@code conversations-of-dissolved-knots}: a conversation belongs to its knot; once the knot
 *       has been dissolved this long (on the domain clock), the conversation's messages — public posts,
 *       but written by people — are deleted: its events and snapshots from the journal and its
 *       read-model row. Deleting journal rows publishes nothing (the outbox publication carries
 *       inserts only); keep the retention longer than the events stream's 30 days, so the stream
 *       never holds what the journal no longer does.
 * </ul>
 *
 * <p>Each deleted conversation is written to the audit log ({@code retention.delete}, actor
 * {@code system:retention}) in the same transaction as its deletion. A sweep deletes at most
 * {@code batch} conversations; sweeps from several nodes serialise on an advisory lock.
 */
public final class RetentionSweeper {
  private static final long SWEEP_LOCK = 0x726574656eL; // "reten"

  /** How long each swept class is kept, and how much one sweep does. */
  public record Settings(Duration conversationsOfDissolvedKnots, int batch) {
    public static Settings fromConfig(Config config) {
      Config retention = config.getConfig("weltgewebe.retention");
      return new Settings(retention.getDuration("conversations-of-dissolved-knots"), retention.getInt("batch"));
    }
  }

  private final DatabaseSettings db;
  private final AuditLog audit;
  private final Settings settings;

  public RetentionSweeper(DatabaseSettings db, AuditLog audit, Settings settings) {
    this.db = db;
    this.audit = audit;
    this.settings = settings;
  }

  /** Deletes what has outlived its retention at {@code now} (domain time); answers the conversations deleted. */
  public List<String> sweep(Instant now) {
    List<String> deleted = new ArrayList<>();
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
          lock.setLong(1, SWEEP_LOCK);
          try (ResultSet rs = lock.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
              c.rollback();
              return deleted; // another node is sweeping
            }
          }
        }
        List<String[]> due = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
            "SELECT c.conversation_id, c.knot_id, k.dissolved_at FROM rm_conversation c JOIN rm_knot k ON k.knot_id = c.knot_id"
                + " WHERE k.dissolved_at < ? ORDER BY k.dissolved_at LIMIT ?")) {
          s.setTimestamp(1, Timestamp.from(now.minus(settings.conversationsOfDissolvedKnots())));
          s.setInt(2, settings.batch());
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              due.add(new String[] {rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant().toString()});
            }
          }
        }
        for (String[] conversation : due) {
          deleteConversation(c, conversation[0]);
          audit.append(c, new AuditLog.Entry("system:retention", "retention.delete", "conversation:" + conversation[0],
              "its knot " + conversation[1] + " dissolved at " + conversation[2] + ", more than "
                  + settings.conversationsOfDissolvedKnots().toDays() + " days before " + now));
          deleted.add(conversation[0]);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the retention sweep failed: " + e.getMessage(), e);
    }
    return deleted;
  }

  private static void deleteConversation(Connection c, String conversationId) throws SQLException {
    String persistenceId = "conversation|" + conversationId;
    // The event_tag rows of events written before events lost their tags go with them (ON DELETE CASCADE).
    for (String sql : List.of(
        "DELETE FROM event_journal WHERE persistence_id = ?",
        "DELETE FROM snapshot WHERE persistence_id = ?")) {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, persistenceId);
        s.executeUpdate();
      }
    }
    try (PreparedStatement s = c.prepareStatement("DELETE FROM rm_conversation WHERE conversation_id = ?")) {
      s.setString(1, conversationId);
      s.executeUpdate();
    }
  }
}

package org.weltgewebe.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the journal holds, counted straight from PostgreSQL: events and entities per entity type. */
public final class JournalStatistics {
  /** Events and distinct entities of one entity type. */
  public record Count(long events, long entities) {}

  private JournalStatistics() {}

  /** The highest journal ordering so far (0 for an empty journal): a mark to count from later. */
  public static long lastOrdering(DatabaseSettings db) {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(max(ordering), 0) FROM event_journal")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the journal at " + db.url(), e);
    }
  }

  /**
   * Counts per entity type (the part of the persistence id before {@code |}), sorted by type, of
   * the events written after {@code afterOrdering}.
   */
  public static Map<String, Count> byEntityType(DatabaseSettings db, long afterOrdering) {
    String sql =
        "SELECT split_part(persistence_id, '|', 1) AS entity_type, count(*), count(DISTINCT persistence_id)"
            + " FROM event_journal WHERE NOT deleted AND ordering > ? GROUP BY 1 ORDER BY 1";
    Map<String, Count> counts = new LinkedHashMap<>();
    try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, afterOrdering);
      ResultSet rs = s.executeQuery();
      while (rs.next()) {
        counts.put(rs.getString(1), new Count(rs.getLong(2), rs.getLong(3)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count the journal at " + db.url(), e);
    }
    return counts;
  }
}

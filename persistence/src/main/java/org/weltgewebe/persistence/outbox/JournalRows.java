package org.weltgewebe.persistence.outbox;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Reading journal rows with plain JDBC, for the relay's backfill and the reconciler. */
final class JournalRows {
  static final String SELECT =
      "SELECT ordering, persistence_id, sequence_number, writer, write_timestamp, event_ser_id,"
          + " event_ser_manifest, event_payload FROM event_journal";

  private JournalRows() {}

  /** The current row of a result of {@link #SELECT}. */
  static JournalEvent event(ResultSet rs) throws SQLException {
    long timestamp = rs.getLong(5);
    return new JournalEvent(
        rs.getLong(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getString(4),
        rs.wasNull() ? null : timestamp,
        rs.getInt(6),
        rs.getString(7),
        rs.getBytes(8));
  }
}

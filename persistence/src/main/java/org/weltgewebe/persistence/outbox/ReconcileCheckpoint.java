package org.weltgewebe.persistence.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The reconciler's memory between runs, in PostgreSQL beside the journal: how far it has read the
 * stream, and per range of orderings the count and checksum of event identities on the stream side
 * (added to as new messages are read) and on the journal side (summed once, when the range is
 * closed). Held under an advisory lock per stream, so two reconcilers never interleave.
 */
final class ReconcileCheckpoint {
  /** Where the reconciler stands for one stream. */
  static final class Position {
    String streamCreated;
    int rangeSize;
    long scannedSeq;
    String scannedId;
    long deletedCount;
    long fromOrdering = -1;
    long closedBelow;
  }

  /** One range's two digests; journal side null while the range is open. */
  static final class Range {
    long streamCount;
    long streamSum;
    Long firstSeq;
    Long journalCount;
    Long journalSum;
    boolean dirty;
  }

  private ReconcileCheckpoint() {}

  /** Serialises reconcilers of one stream until {@code c}'s transaction ends. */
  static void lock(Connection c, String stream) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('weltgewebe-reconcile:' || ?))")) {
      s.setString(1, stream);
      s.executeQuery().close();
    }
  }

  static Position load(Connection c, String stream) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT stream_created, range_size, scanned_seq, scanned_id, deleted_count, from_ordering, closed_below"
                + " FROM outbox_reconcile_checkpoint WHERE stream = ?")) {
      s.setString(1, stream);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        Position p = new Position();
        p.streamCreated = rs.getString(1);
        p.rangeSize = rs.getInt(2);
        p.scannedSeq = rs.getLong(3);
        p.scannedId = rs.getString(4);
        p.deletedCount = rs.getLong(5);
        p.fromOrdering = rs.getLong(6);
        p.closedBelow = rs.getLong(7);
        return p;
      }
    }
  }

  /** Forgets everything about {@code stream}: the next run reads it whole. */
  static void reset(Connection c, String stream) throws SQLException {
    for (String table : new String[] {"outbox_reconcile_range", "outbox_reconcile_checkpoint"}) {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE stream = ?")) {
        s.setString(1, stream);
        s.executeUpdate();
      }
    }
  }

  static void save(Connection c, String stream, Position p) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO outbox_reconcile_checkpoint (stream, stream_created, range_size, scanned_seq, scanned_id,"
                + " deleted_count, from_ordering, closed_below, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())"
                + " ON CONFLICT (stream) DO UPDATE SET stream_created = EXCLUDED.stream_created,"
                + " range_size = EXCLUDED.range_size, scanned_seq = EXCLUDED.scanned_seq, scanned_id = EXCLUDED.scanned_id,"
                + " deleted_count = EXCLUDED.deleted_count, from_ordering = EXCLUDED.from_ordering,"
                + " closed_below = EXCLUDED.closed_below, updated_at = now()")) {
      s.setString(1, stream);
      s.setString(2, p.streamCreated);
      s.setInt(3, p.rangeSize);
      s.setLong(4, p.scannedSeq);
      s.setString(5, p.scannedId);
      s.setLong(6, p.deletedCount);
      s.setLong(7, p.fromOrdering);
      s.setLong(8, p.closedBelow);
      s.executeUpdate();
    }
  }

  /** The ranges from {@code fromRange} on, in order. */
  static NavigableMap<Long, Range> ranges(Connection c, String stream, long fromRange) throws SQLException {
    TreeMap<Long, Range> ranges = new TreeMap<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT range_no, stream_count, stream_sum, first_seq, journal_count, journal_sum"
                + " FROM outbox_reconcile_range WHERE stream = ? AND range_no >= ?")) {
      s.setString(1, stream);
      s.setLong(2, fromRange);
      s.setFetchSize(10_000);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          Range r = new Range();
          r.streamCount = rs.getLong(2);
          r.streamSum = rs.getLong(3);
          long first = rs.getLong(4);
          r.firstSeq = rs.wasNull() ? null : first;
          long jc = rs.getLong(5);
          r.journalCount = rs.wasNull() ? null : jc;
          long js = rs.getLong(6);
          r.journalSum = rs.wasNull() ? null : js;
          ranges.put(rs.getLong(1), r);
        }
      }
    }
    return ranges;
  }

  /** Writes the ranges marked dirty. */
  static void saveRanges(Connection c, String stream, Map<Long, Range> ranges) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO outbox_reconcile_range (stream, range_no, stream_count, stream_sum, first_seq, journal_count, journal_sum)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream, range_no) DO UPDATE SET"
                + " stream_count = EXCLUDED.stream_count, stream_sum = EXCLUDED.stream_sum, first_seq = EXCLUDED.first_seq,"
                + " journal_count = EXCLUDED.journal_count, journal_sum = EXCLUDED.journal_sum")) {
      int batched = 0;
      for (Map.Entry<Long, Range> e : ranges.entrySet()) {
        Range r = e.getValue();
        if (!r.dirty) {
          continue;
        }
        s.setString(1, stream);
        s.setLong(2, e.getKey());
        s.setLong(3, r.streamCount);
        s.setLong(4, r.streamSum);
        s.setObject(5, r.firstSeq);
        s.setObject(6, r.journalCount);
        s.setObject(7, r.journalSum);
        s.addBatch();
        if (++batched % 1000 == 0) {
          s.executeBatch();
        }
      }
      s.executeBatch();
    }
  }
}

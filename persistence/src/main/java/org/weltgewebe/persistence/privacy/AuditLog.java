package org.weltgewebe.persistence.privacy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * The append-only, hash-chained audit log of personal data (table {@code audit_log}, migration
 * V16_2): who read, exported, was refused, forgot, or created or shredded a key, of whose data,
 * when and why.
 *
 * <p>Each row's hash is SHA-256 over the previous row's hash and the row's own fields (each
 * length-prefixed, so no two rows encode alike). Appends serialise on a transaction-scoped advisory
 * lock, which works through PgBouncer in transaction mode, so the sequence has no gaps and every
 * row chains to the one before. A database trigger refuses UPDATE, DELETE and TRUNCATE; {@link
 * #verify} catches what a superuser could still do with the trigger disabled.
 */
public final class AuditLog {
  /** The advisory lock key that serialises appends ("audit" in ASCII). */
  private static final long APPEND_LOCK = 0x6175646974L;
  private static final byte[] GENESIS = new byte[32];

  /** One fact for the log. {@code actor}: {@code role:<id>}, {@code operator:<name>} or {@code system:<part>}. */
  public record Entry(String actor, String action, String subject, String reason) {}

  /** A row as stored. */
  public record Row(long seq, Instant at, String actor, String action, String subject, String reason) {}

  /** What {@link #verify} found: the rows checked and every row whose chain or content is broken. */
  public record Verification(long rows, List<String> problems) {
    public boolean intact() {
      return problems.isEmpty();
    }
  }

  private final DataSource db;
  private final Clock clock;

  public AuditLog(DataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** Appends {@code entry} in its own transaction and returns its sequence number. */
  public long append(Entry entry) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        long seq = append(c, entry);
        c.commit();
        return seq;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write the audit log", e);
    }
  }

  /**
   * Appends {@code entry} within the caller's transaction on {@code c}, so that an operation and its
   * audit row commit together (a shredded key is never unaudited, an audit row never without its act).
   */
  long append(Connection c, Entry entry) throws SQLException {
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, APPEND_LOCK);
      lock.execute();
    }
    long previousSeq = 0;
    byte[] previousHash = GENESIS;
    try (Statement s = c.createStatement();
        ResultSet last = s.executeQuery("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")) {
      if (last.next()) {
        previousSeq = last.getLong(1);
        previousHash = last.getBytes(2);
      }
    }
    // PostgreSQL keeps microseconds: hash what will be read back.
    Row row = new Row(previousSeq + 1, clock.instant().truncatedTo(ChronoUnit.MICROS),
        entry.actor(), entry.action(), entry.subject(), entry.reason());
    try (PreparedStatement insert = c.prepareStatement(
        "INSERT INTO audit_log (seq, at, actor, action, subject, reason, prev_hash, hash)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, row.seq());
      insert.setTimestamp(2, Timestamp.from(row.at()));
      insert.setString(3, row.actor());
      insert.setString(4, row.action());
      insert.setString(5, row.subject());
      insert.setString(6, row.reason());
      insert.setBytes(7, previousHash);
      insert.setBytes(8, hash(previousHash, row));
      insert.executeUpdate();
    }
    return row.seq();
  }

  /** The rows about {@code subject}, oldest first (for a subject's own export). */
  public List<Row> about(String subject) {
    List<Row> rows = new ArrayList<>();
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement(
            "SELECT seq, at, actor, action, subject, reason FROM audit_log WHERE subject = ? ORDER BY seq")) {
      s.setString(1, subject);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(row(rs));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the audit log", e);
    }
    return rows;
  }

  /**
   * Recomputes the chain from the first row: every row must follow its predecessor's sequence
   * number, carry its predecessor's hash, and hash to what it stores.
   */
  public Verification verify() {
    List<String> problems = new ArrayList<>();
    long rows = 0;
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.setFetchSize(1000);
      c.setAutoCommit(false); // the driver streams with a fetch size only inside a transaction
      try (ResultSet rs = s.executeQuery(
          "SELECT seq, at, actor, action, subject, reason, prev_hash, hash FROM audit_log ORDER BY seq")) {
        long expectedSeq = 1;
        byte[] previousHash = GENESIS;
        while (rs.next()) {
          rows++;
          Row row = row(rs);
          byte[] storedPrevious = rs.getBytes(7);
          byte[] stored = rs.getBytes(8);
          if (row.seq() != expectedSeq) {
            problems.add("row " + row.seq() + ": expected row " + expectedSeq + " here (rows removed?)");
          }
          if (!Arrays.equals(storedPrevious, previousHash)) {
            problems.add("row " + row.seq() + ": does not chain to the row before it");
          }
          if (!Arrays.equals(stored, hash(storedPrevious, row))) {
            problems.add("row " + row.seq() + ": its content does not match its hash (changed after writing)");
          }
          expectedSeq = row.seq() + 1;
          previousHash = stored;
        }
      }
      c.rollback();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the audit log", e);
    }
    return new Verification(rows, List.copyOf(problems));
  }

  private static Row row(ResultSet rs) throws SQLException {
    return new Row(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
        rs.getString(5), rs.getString(6));
  }

  /** SHA-256 over the previous hash and the row's fields, each prefixed with its length. */
  static byte[] hash(byte[] previousHash, Row row) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(previousHash);
      for (String field : new String[] {
          Long.toString(row.seq()), row.at().toString(), row.actor(), row.action(), row.subject(), row.reason()}) {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        sha.update(bytes);
      }
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}

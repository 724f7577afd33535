package org.weltgewebe.persistence.outbox;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * Committed inserts into event_journal, in commit order, through PostgreSQL logical decoding: the
 * publication of migration V2, a logical replication slot with the built-in {@code pgoutput}
 * plugin, and pgjdbc's replication protocol.
 *
 * <p>Why not pekko-persistence-jdbc's events-by-tag query, or {@code ordering > last}: the
 * ordering column is a sequence drawn at insert, not at commit. A transaction that draws ordering
 * 100 and commits after one that drew 101 is invisible while a reader moves past 101; a reader
 * that remembers "last seen = 101" never sees 100. events-by-tag waits for such a gap only about
 * 10 s, then treats it as permanent. Logical decoding instead emits each transaction whole, at its
 * commit, in commit order, however long it stayed open; and the server pushes it as it commits, so
 * the reader wakes on commit instead of polling.
 *
 * <p>The slot's confirmed flush position is the persisted progress. The reader confirms a
 * transaction's end only after its consumer has handled every event of it ({@link #confirm}); after
 * a crash the server resends everything after the confirmed position. The server needs {@code
 * wal_level = logical} ({@code db/ensure-postgres} sets it), and a slot retains WAL until it
 * confirms, so an abandoned slot must be dropped.
 *
 * <p>Threads: {@link #run} owns the replication connection; {@link #confirm}, {@link
 * #lastReceived} and {@link #abort} may be called from any thread.
 */
final class JournalChangeFeed implements AutoCloseable {
  /** What the feed hands each transaction to, on the reading thread. */
  interface Handler {
    /** A transaction begins; its events and its commit follow. */
    void begin() throws Exception;

    /** One inserted journal row. */
    void event(JournalEvent event) throws Exception;

    /** The transaction committed; {@code endLsn} is the position to confirm once handled. */
    void commit(long endLsn) throws Exception;
  }

  private static final Logger log = LoggerFactory.getLogger(JournalChangeFeed.class);
  private static final String TABLE = "event_journal";
  // Status updates carry the confirmed position; the socket timeout wakes the blocking read so
  // that pgjdbc sends them while no transaction arrives.
  private static final int STATUS_INTERVAL_SECONDS = 1;
  private static final long FORCE_STATUS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final Connection connection;
  private final PGReplicationStream stream;
  private final PgOutput decoder = new PgOutput();
  private volatile long confirmed;
  private long lastForcedConfirm;
  private long lastForcedAt;

  private JournalChangeFeed(Connection connection, PGReplicationStream stream) {
    this.connection = connection;
    this.stream = stream;
  }

  /** Opens a replication connection and starts streaming after the slot's confirmed position. */
  static JournalChangeFeed open(DatabaseSettings db, String slot) throws SQLException {
    Properties props = new Properties();
    PGProperty.USER.set(props, db.user());
    if (!db.password().isEmpty()) {
      PGProperty.PASSWORD.set(props, db.password());
    }
    PGProperty.REPLICATION.set(props, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
    PGProperty.PREFER_QUERY_MODE.set(props, "simple");
    PGProperty.APPLICATION_NAME.set(props, "weltgewebe-outbox-relay");
    PGProperty.CONNECT_TIMEOUT.set(props, 5);
    PGProperty.SOCKET_TIMEOUT.set(props, STATUS_INTERVAL_SECONDS);
    // pgoutput renders bytea with the session's bytea_output; pin the form PgOutput decodes.
    PGProperty.OPTIONS.set(props, "-c bytea_output=hex");
    Connection connection = DriverManager.getConnection(db.url(), props);
    try {
      PGReplicationStream stream =
          connection
              .unwrap(PGConnection.class)
              .getReplicationAPI()
              .replicationStream()
              .logical()
              .withSlotName(slot)
              .withSlotOption("proto_version", "1")
              .withSlotOption("publication_names", OutboxSettings.PUBLICATION)
              .withStatusInterval(STATUS_INTERVAL_SECONDS, TimeUnit.SECONDS)
              .start();
      return new JournalChangeFeed(connection, stream);
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /**
   * Reads until the connection fails or is aborted, handing every journal insert to {@code
   * handler}. Never returns normally: the end of the stream is an error the caller recovers from.
   */
  void run(Handler handler) throws Exception {
    while (true) {
      ByteBuffer buffer = stream.read();
      if (buffer == null) {
        throw new SQLException("the server ended the replication stream");
      }
      PgOutput.Message message = decoder.decode(buffer);
      if (message instanceof PgOutput.Begin) {
        handler.begin();
      } else if (message instanceof PgOutput.Insert insert) {
        if (TABLE.equals(insert.relation().name())) {
          handler.event(toEvent(insert));
        }
      } else if (message instanceof PgOutput.Commit commit) {
        handler.commit(commit.endLsn());
        forceStatusIfConfirmedMoved();
      }
    }
  }

  /**
   * Marks {@code lsn} as handled; the server learns it with the next status update. Positions only
   * move forward.
   */
  synchronized void confirm(long lsn) {
    if (Long.compareUnsigned(lsn, confirmed) <= 0) {
      return;
    }
    confirmed = lsn;
    LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
    stream.setFlushedLSN(position);
    stream.setAppliedLSN(position);
  }

  /** The highest position the server has sent, including its keepalives. */
  long lastReceived() {
    return stream.getLastReceiveLSN().asLong();
  }

  /** The highest position confirmed so far in this session. */
  long confirmed() {
    return confirmed;
  }

  /** Closes the socket at once, from any thread; the reading thread fails out of {@link #run}. */
  void abort() {
    try {
      connection.abort(Runnable::run);
    } catch (SQLException e) {
      log.debug("aborting the replication connection failed", e);
    }
  }

  @Override
  public void close() {
    abort();
  }

  // Called on the reading thread only: pgjdbc's connection lock is held by a blocking read, so
  // another thread could not send the update anyway.
  private void forceStatusIfConfirmedMoved() throws SQLException {
    long now = System.nanoTime();
    long current = confirmed;
    if (current != lastForcedConfirm && now - lastForcedAt >= FORCE_STATUS_EVERY_NANOS) {
      stream.forceUpdateStatus();
      lastForcedConfirm = current;
      lastForcedAt = now;
    }
  }

  private static JournalEvent toEvent(PgOutput.Insert insert) {
    String timestamp = insert.value("write_timestamp");
    return new JournalEvent(
        Long.parseLong(insert.value("ordering")),
        insert.value("persistence_id"),
        Long.parseLong(insert.value("sequence_number")),
        insert.value("writer"),
        timestamp == null ? null : Long.valueOf(timestamp),
        Integer.parseInt(insert.value("event_ser_id")),
        insert.value("event_ser_manifest"),
        PgOutput.bytea(insert.value("event_payload")));
  }

  // ---- slot administration, on ordinary connections ----

  /** Fails with the remedy when the server cannot decode logically. */
  static void requireLogicalWal(DatabaseSettings db) throws SQLException {
    try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW wal_level")) {
      rs.next();
      String level = rs.getString(1);
      if (!"logical".equals(level)) {
        throw new IllegalStateException(
            "PostgreSQL at " + db.url() + " runs with wal_level = " + level
                + "; the outbox relay reads the journal by logical decoding and needs wal_level = logical."
                + " Run db/ensure-postgres, or ALTER SYSTEM SET wal_level = logical and restart PostgreSQL.");
      }
    }
  }

  /** True when the slot exists; fails when a slot of that name belongs to something else. */
  static boolean slotExists(DatabaseSettings db, String slot) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT plugin, database, current_database() FROM pg_replication_slots WHERE slot_name = ?")) {
      s.setString(1, slot);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        if (!"pgoutput".equals(rs.getString(1)) || !rs.getString(3).equals(rs.getString(2))) {
          throw new IllegalStateException(
              "replication slot " + slot + " exists but is not a pgoutput slot of database " + rs.getString(3)
                  + " (plugin " + rs.getString(1) + ", database " + rs.getString(2)
                  + "): set weltgewebe.outbox.slot to a name of this database's own");
        }
        return true;
      }
    }
  }

  /**
   * Creates a pgoutput slot. It starts at a consistent point: transactions that commit after its
   * creation are decoded, older ones are not. Creation waits for transactions already running.
   */
  static void createSlot(DatabaseSettings db, String slot) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement s = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
      s.setString(1, slot);
      s.execute();
      log.info("created logical replication slot {} on {}", slot, db.url());
    }
  }

  /** Creates {@code target} at the position of {@code source}. */
  static void copySlot(DatabaseSettings db, String source, String target) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement s = c.prepareStatement("SELECT pg_copy_logical_replication_slot(?, ?)")) {
      s.setString(1, source);
      s.setString(2, target);
      s.execute();
    }
  }

  /**
   * Drops the slot if it exists, ending a session still attached to it. A slot left behind keeps
   * every WAL segment from its position on, until the disk is full.
   */
  static void dropSlot(DatabaseSettings db, String slot) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try (Connection c = db.connect()) {
      while (true) {
        try (PreparedStatement s =
            c.prepareStatement(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                    + " WHERE slot_name = ? AND active_pid IS NOT NULL")) {
          s.setString(1, slot);
          s.execute();
        }
        try (PreparedStatement s =
            c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
          s.setString(1, slot);
          s.execute();
          return;
        } catch (SQLException e) {
          // 55006: the terminated walsender has not let go of the slot yet.
          if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
            throw e;
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
      }
    }
  }

  /** The confirmed flush position of the slot as the server has stored it; 0 if there is none. */
  static long storedPosition(DatabaseSettings db, String slot) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement s =
            c.prepareStatement("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
      s.setString(1, slot);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() && rs.getString(1) != null ? LogSequenceNumber.valueOf(rs.getString(1)).asLong() : 0;
      }
    }
  }
}

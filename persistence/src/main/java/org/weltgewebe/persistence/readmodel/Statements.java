package org.weltgewebe.persistence.readmodel;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The read models' changes of a consumer batch, sent to PostgreSQL in as few round trips as their
 * order allows: a run of changes with the same SQL goes as one JDBC batch (pgjdbc sends its
 * executions together and reads the answers once), so a batch of posts to conversations costs one
 * round trip instead of one per post. Changes keep their order; a statement of another SQL text
 * first sends the run before it, and so does {@link #flush}, which whoever reads the read models in
 * the same transaction calls first, so that the read sees every change queued before it.
 *
 * <p>An error of a queued change surfaces at the flush that sends it (pgjdbc's {@code
 * BatchUpdateException} carries the failed statement's SQL state, which {@link
 * DeadLetters#isPoison} judges as before). Not thread-safe: one consumer's transaction.
 */
final class Statements implements AutoCloseable {
  private final Connection connection;
  private String sql;
  private PreparedStatement pending;
  private int queued;

  Statements(Connection connection) {
    this.connection = connection;
  }

  Connection connection() {
    return connection;
  }

  /** Queues one execution of {@code sql} with {@code parameters}. */
  void add(String sql, Object... parameters) throws SQLException {
    if (pending != null && !sql.equals(this.sql)) {
      flush();
    }
    if (pending == null) {
      pending = connection.prepareStatement(sql);
      this.sql = sql;
    }
    for (int i = 0; i < parameters.length; i++) {
      pending.setObject(i + 1, parameters[i]);
    }
    pending.addBatch();
    queued++;
  }

  /** Sends what is queued. */
  void flush() throws SQLException {
    if (pending == null) {
      return;
    }
    PreparedStatement sending = pending;
    pending = null;
    sql = null;
    queued = 0;
    try (sending) {
      sending.executeBatch();
    }
  }

  /** Drops what was not sent (the transaction is rolled back anyway). */
  @Override
  public void close() throws SQLException {
    PreparedStatement dropped = pending;
    pending = null;
    queued = 0;
    if (dropped != null) {
      dropped.close();
    }
  }

  /** Executions queued and not sent yet. */
  int queued() {
    return queued;
  }
}

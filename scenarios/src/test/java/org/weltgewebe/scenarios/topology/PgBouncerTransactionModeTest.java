package org.weltgewebe.scenarios.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;

/**
 * PgBouncer in transaction mode (deploy/pgbouncer/pgbouncer.ini, as a run starts it) hands a client
 * a server connection per transaction, so a statement the JDBC driver prepared by name on one server
 * connection is unknown on the next. pgjdbc does that from a statement's fifth run on a connection
 * unless {@code prepareThreshold} is 0. The control shows the failure with the driver's default; the
 * settings the platform uses behind PgBouncer pass the same sequence, and the journal's pool gets the
 * same setting from the configuration.
 */
class PgBouncerTransactionModeTest {
  private static final String LOOKUP = "SELECT count(*) FROM event_journal WHERE persistence_id = ?";

  @TempDir static Path dir;
  static TestDatabase db;
  static PgBouncerProcess bouncer;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    bouncer = PgBouncerProcess.start(db.settings(), 2, dir);
  }

  @AfterAll
  static void stop() {
    if (bouncer != null) {
      bouncer.close();
    }
    db.close();
  }

  /**
   * Client A runs the lookup six times, one transaction each; client B then holds a transaction
   * open, which takes the only server connection there is — the one A's named statement lives on
   * — so A's next run gets a new one.
   */
  private static void interleave(DatabaseSettings settings) throws SQLException {
    try (Connection a = settings.connect(); Connection b = settings.connect(); PreparedStatement lookup = a.prepareStatement(LOOKUP)) {
      for (int i = 0; i < 6; i++) {
        lookup.setString(1, "knot|" + i);
        lookup.executeQuery().close();
      }
      b.setAutoCommit(false);
      try (Statement hold = b.createStatement()) {
        hold.execute("SELECT 1");
        lookup.setString(1, "knot|after");
        lookup.executeQuery().close();
      } finally {
        b.rollback();
      }
    }
  }

  @Test
  void withTheDriversDefaultANamedStatementIsLostBetweenTransactions() {
    DatabaseSettings driverDefault = new DatabaseSettings(bouncer.pooled().url(), db.settings().user(), db.settings().password());
    assertThat(driverDefault.prepareThreshold()).isEqualTo(DatabaseSettings.DRIVER_DEFAULT_PREPARE_THRESHOLD);

    assertThatThrownBy(() -> interleave(driverDefault))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("prepared statement");
  }

  @Test
  void theSettingsThePlatformUsesBehindPgBouncerPassTheSameSequence() throws SQLException {
    DatabaseSettings pooled = bouncer.pooled();
    assertThat(pooled.prepareThreshold()).isZero();
    assertThat(pooled.pooled()).isTrue();
    assertThat(pooled.direct().url()).isEqualTo(db.settings().url());

    interleave(pooled);
    // and as a node reads them from its configuration (WELTGEWEBE_DB_URL, _DIRECT_URL, _PREPARE_THRESHOLD)
    interleave(DatabaseSettings.fromConfig(NodeConfig.load(pooled.asConfig())));
  }

  @Test
  void theJournalsPoolGetsTheSameDriverSetting() {
    Config config = NodeConfig.load(bouncer.pooled().asConfig());
    Config journalDb = config.getConfig("pekko-persistence-jdbc.shared-databases.weltgewebe.db");
    assertThat(journalDb.getString("url")).isEqualTo(bouncer.pooled().url());
    assertThat(journalDb.getInt("properties.prepareThreshold")).isZero();
  }

  @Test
  void theRunsPgBouncerIsInTransactionModeAndSaysSo() throws Exception {
    try (Connection c = bouncer.pooled().connect(); Statement s = c.createStatement()) {
      s.execute("SELECT 1");
    }
    assertThat(bouncer.stats().transactions()).isPositive();
    assertThat(bouncer.pool().serverConnections()).isBetween(0, 2 + 5);
    assertThat(java.nio.file.Files.readString(bouncer.config().toAbsolutePath(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("pool_mode = transaction").contains("default_pool_size = 2");
  }
}

package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.EmbeddedDatabase;
import org.weltgewebe.persistence.SchemaMigration;

/** The embedded PostgreSQL of a machine without one is fit for the relay as it starts. */
class EmbeddedDatabaseOutboxTest {

  @Test
  void theEmbeddedDatabaseDecodesLogicallyAndFeedsTheRelay(@TempDir Path data) throws Exception {
    NatsSettings nats = TestNats.shared();
    OutboxSettings outbox = OutboxFixture.outboxSettings();
    try (EmbeddedDatabase embedded = EmbeddedDatabase.start(data)) {
      DatabaseSettings db = embedded.settings();
      try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW wal_level")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("logical");
      }
      SchemaMigration.migrate(db);
      try (OutboxRelay relay = OutboxRelay.start(db, nats, outbox)) {
        OutboxFixture.insert(db, "knot|embedded", 1, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> OutboxFixture.count(nats.url(), nats) == 3);
      } finally {
        JournalChangeFeed.dropSlot(db, outbox.slot());
        JournalChangeFeed.dropSlot(db, outbox.slot() + "_seed");
      }
    } finally {
      OutboxFixture.deleteStream(nats.url(), nats);
    }
  }
}

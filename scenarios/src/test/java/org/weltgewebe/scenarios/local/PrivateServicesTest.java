package org.weltgewebe.scenarios.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.SchemaMigration;
import org.weltgewebe.persistence.outbox.EventStream;

/**
 * The private services a scenario run brings when it is given none: a PostgreSQL fit for logical
 * decoding and a nats-server with the project's JetStream limits, each gone (port closed, data
 * deleted) once closed.
 */
class PrivateServicesTest {

  @Test
  void theEmbeddedDatabaseDecodesLogicallyAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("postgres");
    int port;
    try (EmbeddedDatabase embedded = EmbeddedDatabase.start(data)) {
      port = embedded.port();
      DatabaseSettings db = embedded.settings();
      SchemaMigration.migrate(db);
      try (java.sql.Connection c = db.connect(); Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("SHOW wal_level")) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("logical");
        }
        // what the outbox relay does first: a logical slot with pgoutput on the migrated journal
        try (ResultSet rs = s.executeQuery("SELECT slot_name FROM pg_create_logical_replication_slot('private_test', 'pgoutput')")) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("private_test");
        }
        s.execute("SELECT pg_drop_replication_slot('private_test')");
      }
    }
    assertThat(listening(port)).as("port %d after close", port).isFalse();
    assertThat(leftIn(data)).as("data left in %s", data).isEmpty();
  }

  @Test
  void thePrivateNatsServerRunsJetStreamWithTheProjectsLimits(@TempDir Path dir) throws Exception {
    int port;
    try (NatsServer server = NatsServer.start(dir.resolve("nats"))) {
      port = server.port();
      try (Connection c = Nats.connect(server.url())) {
        JetStreamManagement jsm = c.jetStreamManagement();
        // the event stream's 100 GiB fit; nats/jetstream.conf's max_file_store of 16TB does not
        jsm.addStream(stream("FITS", EventStream.MAX_BYTES));
        assertThatThrownBy(() -> jsm.addStream(stream("TOO_BIG", 17L * 1024 * 1024 * 1024 * 1024)))
            .isInstanceOf(JetStreamApiException.class)
            .hasMessageContaining("insufficient");
      }
      assertThat(Files.readString(dir.resolve("nats").resolve("nats.conf")))
          .contains("listen: 127.0.0.1:" + port)
          .contains("store_dir: \"" + dir.resolve("nats").resolve("jetstream").toAbsolutePath() + "\"");
    }
    assertThat(listening(port)).as("port %d after close", port).isFalse();
  }

  private static StreamConfiguration stream(String name, long maxBytes) {
    return StreamConfiguration.builder().name(name).subjects(name.toLowerCase(java.util.Locale.ROOT) + ".>")
        .storageType(StorageType.File).maxBytes(maxBytes).build();
  }

  private static java.util.List<Path> leftIn(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return java.util.List.of();
    }
    try (var files = Files.list(dir)) {
      return files.toList();
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

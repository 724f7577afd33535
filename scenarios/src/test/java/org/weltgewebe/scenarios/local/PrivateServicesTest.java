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
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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

  /**
   * What a fault run's nats-restart and pg-restart do to the run's own services: the old process
   * is gone (its port closed), a new one (another process id) answers on the same port, and what was
   * written before is still there. Both come through {@link RunServices} the way a run gets them,
   * private even though this configuration names the machine's services.
   */
  @Test
  void aFaultRunsOwnServicesRestartForRealOnTheirPortsWithTheirData(@TempDir Path dir) throws Exception {
    Config config = ConfigFactory.load();
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    try (RunServices services = RunServices.start(config, true, true, dir, new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8), true)) {
      assertThat(services.embeddedDatabase()).isTrue();
      assertThat(services.privateNats()).isTrue();
      assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("starts its own instead of the given ones");
      DatabaseSettings db = services.database();
      int pgPort = java.net.URI.create(db.url().substring("jdbc:".length())).getPort();
      try (java.sql.Connection c = db.connect(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE kept (v text)");
        s.execute("INSERT INTO kept VALUES ('before the crash')");
      }
      String natsUrl = services.nats().url();
      int natsPort = java.net.URI.create(natsUrl).getPort();
      try (Connection c = Nats.connect(natsUrl)) {
        c.jetStreamManagement().addStream(stream("KEPT", 1024 * 1024));
        c.jetStream().publish("kept.one", "before the crash".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      long pgPid = postmasterPid(db);
      long natsPid = natsPid(dir.resolve("nats").resolve("nats.conf"));

      services.postgresRestart().orElseThrow().stop();
      services.natsRestart().orElseThrow().stop();
      assertThat(listening(pgPort)).as("PostgreSQL's port %d while crashed", pgPort).isFalse();
      assertThat(listening(natsPort)).as("NATS's port %d while killed", natsPort).isFalse();
      assertThat(ProcessHandle.of(natsPid)).as("the killed nats-server").isEmpty();

      services.postgresRestart().orElseThrow().start();
      services.natsRestart().orElseThrow().start();
      assertThat(postmasterPid(db)).as("the postmaster after the restart").isNotEqualTo(pgPid);
      assertThat(natsPid(dir.resolve("nats").resolve("nats.conf"))).as("the nats-server after the restart").isNotEqualTo(natsPid);
      try (java.sql.Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("before the crash");
      }
      try (Connection c = Nats.connect(natsUrl)) {
        assertThat(c.jetStreamManagement().getStreamInfo("KEPT").getStreamState().getMsgCount()).isEqualTo(1);
      }
    }
  }

  private static long postmasterPid(DatabaseSettings db) throws java.sql.SQLException {
    // the postmaster is the parent of the backend that answers
    try (java.sql.Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return ProcessHandle.of(rs.getLong(1)).flatMap(ProcessHandle::parent).orElseThrow().pid();
    }
  }

  /** The nats-server process running with {@code conf}, found among the machine's processes (not from our own bookkeeping). */
  private static long natsPid(Path conf) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().orElse("").endsWith("nats-server"))
        .filter(p -> p.info().arguments().map(a -> java.util.List.of(a).contains(conf.toString())).orElse(false))
        .findFirst().orElseThrow(() -> new AssertionError("no nats-server runs with " + conf)).pid();
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

package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.cli.InProcessCli.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.cli.InProcessCli.Outcome;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.scenarios.local.LocalProcesses;
import org.weltgewebe.scenarios.local.NatsServer;
import org.weltgewebe.scenarios.local.PostgresServer;

/**
 * The front door as a new user meets it: the main job with nothing configured brings private
 * PostgreSQL and NATS and leaves the system's alone; given services that cannot carry the outbox
 * stop a run within seconds, exit code 2, with one line that names the setting and the fix.
 */
class MainJobServicesTest {
  private static final Duration PREFLIGHT_WITHIN = Duration.ofSeconds(10);

  /** What a command printed and how it ended. */
  @Test
  void theMainJobWithNothingConfiguredRunsOnPrivateServicesAndRemovesThem(@TempDir Path reports) throws Exception {
    DatabaseSettings systemDb = new DatabaseSettings(
        System.getenv().getOrDefault("WELTGEWEBE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/postgres"),
        System.getenv().getOrDefault("WELTGEWEBE_TEST_DB_USER", "postgres"),
        System.getenv().getOrDefault("WELTGEWEBE_TEST_DB_PASSWORD", ""));
    String postmasterStartBefore = postmasterStart(systemDb);
    String systemNatsBefore = natsServerId(4222);

    // A short run (one evening hour, a few seconds of overload): what is judged here is where it ran.
    Outcome run = cli("scenario", "run", "S1", "--compress", "720", "--duration", "5s", "--sustainable", "40",
        "--overload-duration", "5s", "--coverage", "0", "--reports-dir", reports.toString(), "--run-id", "S1-front-door");

    assertThat(run.out()).contains("services: private PostgreSQL (embedded, wal_level = logical)")
        .contains("services: private nats-server (JetStream, nats/jetstream.conf)");
    RunReport report = RunReports.read(reports.resolve("S1-front-door"));
    assertThat(report.oracle().discrepancies()).isEmpty();
    assertThat(report.oracle().persisted()).isPositive();
    assertThat(run.exitCode()).isEqualTo(report.verdict().passed() ? 0 : 1);
    assertThat(reports.resolve("S1-front-door/services/nats/nats.conf")).content()
        .contains("max_file_store: 16TB").contains("store_dir: \"" + reports.resolve("S1-front-door/services/nats/jetstream").toAbsolutePath());
    // both private servers are gone
    for (int port : List.of(port(run.out(), "private PostgreSQL \\(embedded, wal_level = logical\\) on 127.0.0.1:(\\d+)"),
        port(run.out(), "private nats-server \\(JetStream, nats/jetstream.conf\\) on 127.0.0.1:(\\d+)"))) {
      assertThat(listening(port)).as("port %d after the run", port).isFalse();
    }
    // the system's services were not restarted
    assertThat(postmasterStart(systemDb)).isEqualTo(postmasterStartBefore);
    assertThat(natsServerId(4222)).isEqualTo(systemNatsBefore);
  }

  @Test
  void aPostgresWithTheDistributionsWalLevelStopsTheRunInSeconds(@TempDir Path dir) throws Exception {
    // the server runs as the postgres user, who must reach its directory
    Path pg = Files.createTempDirectory("wg-front-door-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    PostgresServer replicaLevel = PostgresServer.single(PostgresServer.binaries(), pg, "replica", 10);
    try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
      Outcome run = cli("scenario", "run", "S1", "--db-url", replicaLevel.jdbcUrl(), "--nats-url", nats.url(),
          "--reports-dir", dir.resolve("reports").toString());

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.took()).isLessThan(PREFLIGHT_WITHIN);
      assertThat(oneLine(run.err())).isEqualTo("PostgreSQL at " + replicaLevel.jdbcUrl() + " runs with wal_level = replica;"
          + " the outbox needs wal_level = logical: ALTER SYSTEM SET wal_level = logical and restart PostgreSQL"
          + " (db/ensure-postgres does both), or run without --db-url for a private PostgreSQL");
    } finally {
      replicaLevel.stop();
      LocalProcesses.deleteTree(pg);
    }
  }

  @Test
  void aNatsWithoutJetStreamStopsTheRunInSeconds(@TempDir Path dir) {
    try (TestDatabase db = TestDatabase.create();
        NatsServer plain = NatsServer.start(dir.resolve("nats"), conf -> conf.replaceAll("(?s)jetstream \\{.*\\}", ""))) {
      Outcome run = cli("scenario", "run", "S1", "--db-url", db.settings().url(), "--nats-url", plain.url(),
          "--reports-dir", dir.resolve("reports").toString());

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.took()).isLessThan(PREFLIGHT_WITHIN);
      assertThat(oneLine(run.err())).isEqualTo("NATS at " + plain.url() + " runs without JetStream: start nats-server with -js"
          + " and the project's nats/jetstream.conf (nats/ensure-nats does), or run without --nats-url for a private nats-server");
    }
  }

  @Test
  void aJetStreamTooSmallForTheStreamStopsTheRunInSeconds(@TempDir Path dir) {
    try (TestDatabase db = TestDatabase.create();
        NatsServer small = NatsServer.start(dir.resolve("nats"), conf -> conf.replace("max_file_store: 16TB", "max_file_store: 1GB"))) {
      Outcome run = cli("scenario", "run", "S1", "--db-url", db.settings().url(), "--nats-url", small.url(),
          "--reports-dir", dir.resolve("reports").toString());

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.took()).isLessThan(PREFLIGHT_WITHIN);
      assertThat(oneLine(run.err())).startsWith("NATS at " + small.url() + " refused JetStream stream WELTGEWEBE_EVENTS")
          .contains("the server's JetStream max_file_store must allow max_bytes = 100 GiB");
    }
  }

  @Test
  void aToolCommandFailsWithOneLineNotAStackTrace() {
    Outcome verify = cli("outbox", "verify", "--db-url", "jdbc:postgresql://127.0.0.1:1/x");

    assertThat(verify.exitCode()).isEqualTo(2);
    assertThat(oneLine(verify.err())).startsWith("verify: PostgreSQL does not answer at jdbc:postgresql://127.0.0.1:1/x: start it");
  }

  @Test
  void aMissingNatsServerIsToldInOneLineWithinSeconds(@TempDir Path dir) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
        Weltgewebe.class.getName(), "scenario", "run", "S1", "--reports-dir", dir.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve("err.txt").toFile())
        .redirectOutput(dir.resolve("out.txt").toFile());
    builder.environment().put("PATH", dir.toString()); // no nats-server there
    builder.environment().remove("WELTGEWEBE_NATS_URL");
    Process p = builder.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ends within a minute on a busy machine").isTrue();

    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(oneLine(Files.readString(dir.resolve("err.txt")))).isEqualTo("nats-server is not on the PATH: install the Debian package"
        + " nats-server (apt-get install nats-server), or give --nats-url of a running NATS with JetStream");
    try (var left = Files.list(dir)) {
      assertThat(left.map(f -> f.getFileName().toString())).as("nothing started").containsExactlyInAnyOrder("err.txt", "out.txt");
    }
  }

  /** The only line of {@code text}; fails when there are more (a stack trace, say). */
  private static String oneLine(String text) {
    List<String> lines = text.strip().lines().toList();
    assertThat(lines).as("standard error: %s", text).hasSize(1);
    return lines.get(0);
  }

  private static int port(String out, String pattern) {
    Matcher m = Pattern.compile(pattern).matcher(out);
    assertThat(m.find()).as("'%s' in %s", pattern, out).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String postmasterStart(DatabaseSettings db) throws Exception {
    try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT pg_postmaster_start_time()::text")) {
      r.next();
      return r.getString(1);
    }
  }

  /** The server_id a NATS server greets with: a restarted server has a new one. */
  private static String natsServerId(int port) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(3000);
      InputStream in = s.getInputStream();
      StringBuilder info = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        info.append((char) c);
      }
      Matcher m = Pattern.compile("\"server_id\":\"([^\"]+)\"").matcher(info);
      assertThat(m.find()).as("INFO line %s", info).isTrue();
      return m.group(1);
    }
  }
}

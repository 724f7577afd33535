package org.weltgewebe.persistence;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A fresh, empty, migrated database for one test class, on a real PostgreSQL.
 *
 * <p>The server is the one at {@code WELTGEWEBE_TEST_DB_URL} (default: the local server on
 * 127.0.0.1:5432, database {@code postgres}, user {@code postgres}); each test class gets its own
 * database on it, dropped on {@link #close}. When that server does not answer and a Docker engine
 * does, Testcontainers starts a PostgreSQL instead — the way developers with Docker run the suite.
 */
public final class TestDatabase implements AutoCloseable {
  private static final String ADMIN_URL =
      env("WELTGEWEBE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  private static final String ADMIN_USER = env("WELTGEWEBE_TEST_DB_USER", "postgres");
  private static final String ADMIN_PASSWORD = env("WELTGEWEBE_TEST_DB_PASSWORD", "");

  private static PostgreSQLContainer container;

  private final DatabaseSettings admin;
  private final DatabaseSettings settings;
  private final String name;

  private TestDatabase(DatabaseSettings admin, String name) {
    this.admin = admin;
    this.name = name;
    this.settings = new DatabaseSettings(withDatabase(admin.url(), name), admin.user(), admin.password());
  }

  /** Creates and migrates a new database. */
  public static TestDatabase create() {
    DatabaseSettings admin = adminSettings();
    String name = "wg_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = admin.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database on " + admin.url(), e);
    }
    TestDatabase db = new TestDatabase(admin, name);
    SchemaMigration.migrate(db.settings);
    return db;
  }

  /** How to reach this database. */
  public DatabaseSettings settings() {
    return settings;
  }

  /** Configuration that points a node at this database. */
  public Config config() {
    return settings.asConfig();
  }

  /**
   * Configuration for a node on this database whose outbox has a replication slot, stream and
   * subjects of its own, so test classes never read each other's events.
   */
  public Config outboxConfig() {
    return com.typesafe.config.ConfigFactory.parseMap(
            java.util.Map.of(
                "weltgewebe.outbox.slot", name,
                "weltgewebe.nats.stream", name.toUpperCase(java.util.Locale.ROOT),
                "weltgewebe.nats.subject-prefix", name + ".events"))
        .withFallback(config());
  }

  /** The stream name {@link #outboxConfig()} gives. */
  public String streamName() {
    return name.toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public void close() {
    deleteStream();
    try (Connection c = admin.connect(); Statement s = c.createStatement()) {
      // A logical replication slot pins its database (and WAL): end its reader, then drop it.
      for (int attempt = 0; attempt < 50 && slotsLeft(s); attempt++) {
        s.execute(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                + " WHERE database = '" + name + "' AND active_pid IS NOT NULL");
        s.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE database = '" + name + "' AND NOT active");
        if (slotsLeft(s)) {
          Thread.sleep(100); // the terminated reader takes a moment to release its slot
        }
      }
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test database " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The server reserves max_bytes (100 GiB) per stream against its limit: leave none behind. */
  private void deleteStream() {
    String url = System.getenv().getOrDefault("WELTGEWEBE_TEST_NATS_URL", "nats://127.0.0.1:4222");
    try (io.nats.client.Connection nats = io.nats.client.Nats.connect(url)) {
      nats.jetStreamManagement().deleteStream(streamName());
    } catch (Exception e) {
      // no such stream (the test ran without the outbox) or no server: nothing to clean
    }
    for (String companion : new String[] {"_FEEDS", "_DEAD_LETTERS", "_REVOKED"}) {
      try (io.nats.client.Connection nats = io.nats.client.Nats.connect(url)) {
        // a key-value bucket (the token revocations) is the stream KV_<bucket>
        String stream = companion.equals("_REVOKED") ? "KV_" + streamName() + companion : streamName() + companion;
        nats.jetStreamManagement().deleteStream(stream);
      } catch (Exception e) {
        // no such stream (the test ran without the outbox) or no server: nothing to clean
      }
    }
  }

  private boolean slotsLeft(Statement s) throws SQLException {
    try (java.sql.ResultSet rs =
        s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE database = '" + name + "'")) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }

  private static synchronized DatabaseSettings adminSettings() {
    DatabaseSettings configured = new DatabaseSettings(ADMIN_URL, ADMIN_USER, ADMIN_PASSWORD);
    if (configured.isReachable()) {
      return configured;
    }
    if (container == null) {
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        throw new IllegalStateException(
            "no PostgreSQL answers at " + ADMIN_URL
                + " and no Docker engine is available to start one; start PostgreSQL or set WELTGEWEBE_TEST_DB_URL");
      }
      container = new PostgreSQLContainer("postgres:16-alpine");
      container.start();
    }
    return new DatabaseSettings(
        withDatabase(container.getJdbcUrl(), "postgres"), container.getUsername(), container.getPassword());
  }

  private static String withDatabase(String url, String database) {
    int slash = url.indexOf('/', "jdbc:postgresql://".length());
    int query = url.indexOf('?', slash);
    String rest = query < 0 ? "" : url.substring(query);
    return url.substring(0, slash + 1) + database + rest;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

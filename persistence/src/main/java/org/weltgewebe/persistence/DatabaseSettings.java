package org.weltgewebe.persistence;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Where the platform's PostgreSQL is: the {@code weltgewebe.db} section of the configuration.
 *
 * <p>Two ways in. {@code url} is what the pools use (the journal, snapshots, read models, search):
 * in production a PgBouncer in transaction mode. {@code directUrl} reaches PostgreSQL itself, for
 * what a transaction pooler cannot carry: the outbox relay's logical replication connection (one
 * long session bound to its slot, in the replication protocol) and the schema migrations (Flyway's
 * session lock, DDL). Without a pooler both are the same URL.
 *
 * <p>{@code prepareThreshold} is pgjdbc's: how often a statement runs on a connection before the
 * driver prepares it as a named statement on the server. Behind a transaction pooler it must be 0:
 * a named statement lives on the server connection it was prepared on, and the next transaction of
 * the same client may be given another one ("prepared statement S_1 does not exist").
 */
public record DatabaseSettings(String url, String user, String password, String directUrl, int prepareThreshold) {
  /** pgjdbc's own default prepareThreshold. */
  public static final int DRIVER_DEFAULT_PREPARE_THRESHOLD = 5;

  public DatabaseSettings {
    if (directUrl == null || directUrl.isBlank()) {
      directUrl = url;
    }
    if (prepareThreshold < 0) {
      throw new IllegalArgumentException("weltgewebe.db.prepare-threshold must be 0 or more, got " + prepareThreshold);
    }
  }

  /** A database reached directly, with the driver's default prepareThreshold. */
  public DatabaseSettings(String url, String user, String password) {
    this(url, user, password, url, DRIVER_DEFAULT_PREPARE_THRESHOLD);
  }

  /** Reads {@code weltgewebe.db.url}, {@code .user}, {@code .password}, {@code .direct-url} and {@code .prepare-threshold}. */
  public static DatabaseSettings fromConfig(Config config) {
    Config db = config.getConfig("weltgewebe.db");
    return new DatabaseSettings(
        db.getString("url"), db.getString("user"), db.getString("password"),
        db.hasPath("direct-url") ? db.getString("direct-url") : "",
        db.hasPath("prepare-threshold") ? db.getInt("prepare-threshold") : DRIVER_DEFAULT_PREPARE_THRESHOLD);
  }

  /** True when the pools reach PostgreSQL through a pooler ({@code url} is not the direct URL). */
  public boolean pooled() {
    return !url.equals(directUrl);
  }

  /**
   * The same database reached directly, for the replication connection, replication slots and
   * migrations. The driver may prepare statements there: a direct connection keeps its session.
   */
  public DatabaseSettings direct() {
    return pooled() ? new DatabaseSettings(directUrl, user, password, directUrl, DRIVER_DEFAULT_PREPARE_THRESHOLD) : this;
  }

  /** A new connection through {@code url}; the caller closes it. */
  public Connection connect() throws SQLException {
    Properties props = driverProperties();
    props.setProperty("connectTimeout", "3");
    return DriverManager.getConnection(url, props);
  }

  /**
   * A pool named {@code name} of at most {@code size} connections through {@code url}, opened on
   * demand and closed after a minute idle; a borrower waits at most {@code borrowWait}. It does not
   * connect at start: a node must come up while PostgreSQL is restarting, and fail at first use.
   */
  public HikariConfig poolConfig(String name, int size, Duration borrowWait) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(url);
    config.setUsername(user);
    if (!password.isEmpty()) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setIdleTimeout(Duration.ofMinutes(1).toMillis());
    config.setConnectionTimeout(borrowWait.toMillis());
    config.setInitializationFailTimeout(-1);
    driverProperties().forEach((k, v) -> {
      if (!k.equals("user") && !k.equals("password")) {
        config.addDataSourceProperty((String) k, v);
      }
    });
    return config;
  }

  /** {@link #connect()} as a data source: a new connection for every borrower (tools, tests). */
  public DataSource unpooled() {
    PGSimpleDataSource source = new PGSimpleDataSource();
    source.setURL(url);
    source.setUser(user);
    if (!password.isEmpty()) {
      source.setPassword(password);
    }
    source.setPrepareThreshold(prepareThreshold);
    source.setConnectTimeout(3);
    return source;
  }

  /** The driver properties every connection of {@code url} needs: credentials and prepareThreshold. */
  public Properties driverProperties() {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (!password.isEmpty()) {
      props.setProperty("password", password);
    }
    props.setProperty("prepareThreshold", String.valueOf(prepareThreshold));
    return props;
  }

  /** True when a connection can be opened and answers. */
  public boolean isReachable() {
    try (Connection c = connect()) {
      return c.isValid(3);
    } catch (SQLException e) {
      return false;
    }
  }

  /** These settings as configuration that overrides {@code weltgewebe.db}. */
  public Config asConfig() {
    return com.typesafe.config.ConfigFactory.parseMap(
        java.util.Map.of(
            "weltgewebe.db.url", url,
            "weltgewebe.db.user", user,
            "weltgewebe.db.password", password,
            "weltgewebe.db.direct-url", directUrl,
            "weltgewebe.db.prepare-threshold", prepareThreshold));
  }

  @Override
  public String toString() {
    return "DatabaseSettings[url=" + url + (pooled() ? ", direct " + directUrl : "") + ", user=" + user + "]";
  }
}

package org.weltgewebe.scenarios.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.scenarios.run.ChildProcesses;

/**
 * PgBouncer in transaction mode in front of one PostgreSQL database, started from {@code
 * deploy/pgbouncer/pgbouncer.ini} (rendered into {@code dir}) as a child process on a free port,
 * and its admin console's figures ({@code SHOW POOLS}, {@code SHOW STATS}).
 *
 * <p>PgBouncer refuses to run as root; under root (as CI runs) it is started with {@code -u
 * nobody}, after it has read its configuration and user list.
 */
public final class PgBouncerProcess implements AutoCloseable {
  private static final Duration READY_WITHIN = Duration.ofSeconds(20);

  private final ServiceProcess process;
  private final DatabaseSettings direct;
  private final DatabaseSettings pooled;
  private final int port;
  private final int poolSize;
  private final String database;
  private final Path config;

  private PgBouncerProcess(ServiceProcess process, DatabaseSettings direct, DatabaseSettings pooled, int port, int poolSize, String database, Path config) {
    this.process = process;
    this.direct = direct;
    this.pooled = pooled;
    this.port = port;
    this.poolSize = poolSize;
    this.database = database;
    this.config = config;
  }

  /**
   * Starts PgBouncer for the database {@code direct} names, with at most {@code poolSize} server
   * connections, its configuration, user list and log in {@code dir}; returns once it accepts
   * connections.
   */
  public static PgBouncerProcess start(DatabaseSettings direct, int poolSize, Path dir) {
    if (!ServiceProcess.onPath("pgbouncer")) {
      throw new IllegalStateException("pgbouncer is not installed (Debian: apt-get install pgbouncer)");
    }
    JdbcAddress target = JdbcAddress.parse(direct.url());
    int port = ChildProcesses.freePort();
    try {
      Files.createDirectories(dir);
      Path users = dir.resolve("pgbouncer-users.txt");
      // the user list holds the password PgBouncer logs in to PostgreSQL with
      Files.writeString(users, quote(direct.user()) + " " + quote(direct.password()) + "\n", StandardCharsets.UTF_8);
      Path config = dir.resolve("pgbouncer.ini");
      Files.writeString(config, ConfigTemplate.deployed("pgbouncer/pgbouncer.ini").render(Map.of(
          "PGBOUNCER_DATABASE", target.database(),
          "POSTGRES_HOST", target.host(),
          "POSTGRES_PORT", String.valueOf(target.port()),
          "POSTGRES_DB", target.database(),
          "PGBOUNCER_PORT", String.valueOf(port),
          "PGBOUNCER_POOL_SIZE", String.valueOf(poolSize),
          // trusted on loopback for the run's lifetime: the console figures need no password, and
          // PgBouncer logs in to PostgreSQL with the password from the user list
          "PGBOUNCER_AUTH_TYPE", "trust",
          "PGBOUNCER_AUTH_FILE", users.toAbsolutePath().toString(),
          "PGBOUNCER_ADMIN_USERS", direct.user(),
          "PGBOUNCER_STATS_USERS", direct.user())), StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(List.of(ServiceProcess.locate("pgbouncer").orElseThrow()));
      if ("root".equals(System.getProperty("user.name"))) {
        command.addAll(List.of("-u", "nobody"));
      }
      command.add(config.toAbsolutePath().toString());
      ServiceProcess process = ServiceProcess.start("pgbouncer", command, Map.of(), dir.resolve("pgbouncer.log"));
      DatabaseSettings pooled = new DatabaseSettings(
          target.withAddress("127.0.0.1", port), direct.user(), direct.password(), direct.url(), 0);
      PgBouncerProcess bouncer = new PgBouncerProcess(process, direct, pooled, port, poolSize, target.database(), config);
      bouncer.awaitReady();
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write PgBouncer's configuration into " + dir, e);
    }
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(READY_WITHIN);
    SQLException last = null;
    while (Instant.now().isBefore(deadline)) {
      try {
        process.requireAlive();
      } catch (IllegalStateException e) {
        throw new IllegalStateException("PgBouncer did not start: " + e.getMessage(), e);
      }
      try (Connection c = pooled.connect(); Statement s = c.createStatement()) {
        s.execute("SELECT 1");
        return;
      } catch (SQLException e) {
        last = e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
    throw new IllegalStateException("PgBouncer did not accept connections within " + READY_WITHIN.toSeconds() + " s: "
        + (last == null ? "" : last.getMessage()) + "; " + process.tail());
  }

  /** The database through PgBouncer, with the driver's prepareThreshold 0 and the direct URL beside it: what the nodes use. */
  public DatabaseSettings pooled() {
    return pooled;
  }

  /** The database PgBouncer forwards to. */
  public DatabaseSettings direct() {
    return direct;
  }

  public int port() {
    return port;
  }

  public int poolSize() {
    return poolSize;
  }

  /** The rendered configuration file. */
  public Path config() {
    return config;
  }

  /** E.g. "1.18.0". */
  public static String version() {
    String line = ServiceProcess.firstLine(List.of(ServiceProcess.locate("pgbouncer").orElse("pgbouncer"), "--version"));
    return line.startsWith("PgBouncer ") ? line.substring("PgBouncer ".length()).strip() : line;
  }

  public OptionalDouble cpuSeconds() {
    return process.cpuSeconds();
  }

  /** A snapshot of this database's pool: clients active and waiting, server connections, the longest wait. */
  public record Pool(int clientsActive, int clientsWaiting, int serverConnections, double maxWaitSeconds) {}

  /** Running totals since start: transactions, queries, and the microseconds they and their waits took. */
  public record Stats(long transactions, long queries, long transactionMicros, long waitMicros) {}

  /** {@code SHOW POOLS} for this database. */
  public Pool pool() throws IOException {
    for (Map<String, String> row : PgBouncerConsole.query(port, direct.user(), "SHOW POOLS")) {
      if (database.equals(row.get("database"))) {
        return new Pool(num(row, "cl_active"), num(row, "cl_waiting"),
            num(row, "sv_active") + num(row, "sv_idle") + num(row, "sv_used") + num(row, "sv_tested") + num(row, "sv_login"),
            num(row, "maxwait") + num(row, "maxwait_us") / 1e6);
      }
    }
    return new Pool(0, 0, 0, 0);
  }

  /** {@code SHOW STATS} for this database. */
  public Stats stats() throws IOException {
    for (Map<String, String> row : PgBouncerConsole.query(port, direct.user(), "SHOW STATS")) {
      if (database.equals(row.get("database"))) {
        return new Stats(lnum(row, "total_xact_count"), lnum(row, "total_query_count"), lnum(row, "total_xact_time"), lnum(row, "total_wait_time"));
      }
    }
    return new Stats(0, 0, 0, 0);
  }

  private static int num(Map<String, String> row, String column) {
    return (int) lnum(row, column);
  }

  private static long lnum(Map<String, String> row, String column) {
    String v = row.get(column);
    return v == null || v.isEmpty() ? 0 : Long.parseLong(v.trim());
  }

  @Override
  public void close() {
    process.close();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  /** Host, port and database of a {@code jdbc:postgresql://} URL, and the URL with another address. */
  record JdbcAddress(String host, int port, String database, String url) {
    static JdbcAddress parse(String url) {
      String prefix = "jdbc:postgresql://";
      if (!url.startsWith(prefix)) {
        throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + url);
      }
      URI uri = URI.create("postgresql://" + url.substring(prefix.length()));
      if (uri.getHost() == null || url.substring(prefix.length()).split("/", -1)[0].contains(",")) {
        throw new IllegalArgumentException("PgBouncer needs one host in the database URL, got " + url);
      }
      String path = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
      return new JdbcAddress(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path, url);
    }

    String withAddress(String newHost, int newPort) {
      int start = "jdbc:postgresql://".length();
      int slash = url.indexOf('/', start);
      return url.substring(0, start) + newHost + ":" + newPort + (slash < 0 ? "/" + database : url.substring(slash));
    }
  }
}

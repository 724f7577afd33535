package org.weltgewebe.scenarios.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * A PostgreSQL server of a caller's own, run from the system's binaries (PostgreSQL 15:
 * {@code initdb}, {@code pg_ctl}, {@code pg_basebackup}) in a directory of its own, on a free port:
 * the DR drill's primary with {@code wal_level = logical}, a WAL archive and a physical replication
 * slot, or a streaming replica made from it by {@code pg_basebackup}; or a single server with the
 * settings a test needs (a distribution's {@code wal_level = replica}, for the preflight). As root,
 * the tools run as the {@code postgres} user (PostgreSQL refuses root).
 */
public final class PostgresServer {
  public static final String DATABASE = "weltgewebe";
  /** Who runs the server when this process is root: the distribution's postgres user, else nobody. */
  private static final String OS_USER = userExists("postgres") ? "postgres" : "nobody";

  private final Path bin;
  private final Path data;
  private final Path log;
  private final int port;

  private PostgresServer(Path bin, Path data, Path log, int port) {
    this.bin = bin;
    this.data = data;
    this.log = log;
    this.port = port;
  }

  /** Where the PostgreSQL binaries are: {@code WELTGEWEBE_PG_BIN}, else the Debian path of version 15. */
  public static Path binaries() {
    String configured = System.getenv("WELTGEWEBE_PG_BIN");
    Path bin = Path.of(configured != null ? configured : "/usr/lib/postgresql/15/bin");
    if (!Files.isExecutable(bin.resolve("initdb"))) {
      throw new IllegalStateException(
          "no PostgreSQL binaries at " + bin + ": install postgresql-15 or set WELTGEWEBE_PG_BIN to the directory holding initdb");
    }
    return bin;
  }

  /** A new primary in {@code dir}: archives its WAL to {@code archive}, keeps a slot for the replica. */
  public static PostgresServer primary(Path bin, Path dir, Path archive) throws IOException {
    Path data = dir.resolve("primary");
    prepare(dir, archive);
    PostgresServer server = new PostgresServer(bin, data, dir.resolve("primary.log"), LocalProcesses.freePort());
    server.initdb(dir.resolve("primary-initdb.log"));
    Files.writeString(
        data.resolve("postgresql.conf"),
        String.join("\n",
            "",
            "# the DR drill's primary",
            "listen_addresses = '127.0.0.1'",
            "port = " + server.port,
            "unix_socket_directories = '" + dir + "'",
            "wal_level = logical",
            "max_wal_senders = 10",
            "max_replication_slots = 10",
            "hot_standby = on",
            "archive_mode = on",
            "archive_command = 'test ! -f " + archive + "/%f && cp %p " + archive + "/%f'",
            "restore_command = 'cp " + archive + "/%f %p'",
            "fsync = on",
            "shared_buffers = 64MB",
            "max_connections = 100",
            ""),
        java.nio.file.StandardOpenOption.APPEND);
    server.start();
    try (Connection c = server.connect("postgres")) {
      c.createStatement().execute("CREATE DATABASE " + DATABASE);
      c.createStatement().execute("SELECT pg_create_physical_replication_slot('dr_replica')");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare the primary: " + e.getMessage(), e);
    }
    return server;
  }

  /**
   * A single server in {@code dir} with {@code wal_level = walLevel} and at most {@code maxSlots}
   * replication slots and WAL senders, holding an empty database {@link #DATABASE}; started.
   */
  public static PostgresServer single(Path bin, Path dir, String walLevel, int maxSlots) throws IOException {
    Path data = dir.resolve("single");
    prepare(dir, dir);
    PostgresServer server = new PostgresServer(bin, data, dir.resolve("single.log"), LocalProcesses.freePort());
    server.initdb(dir.resolve("single-initdb.log"));
    Files.writeString(
        data.resolve("postgresql.conf"),
        String.join("\n",
            "",
            "# a private single server",
            "listen_addresses = '127.0.0.1'",
            "port = " + server.port,
            "unix_socket_directories = '" + dir + "'",
            "wal_level = " + walLevel,
            "max_wal_senders = " + maxSlots,
            "max_replication_slots = " + maxSlots,
            "shared_buffers = 32MB",
            "max_connections = 50",
            ""),
        java.nio.file.StandardOpenOption.APPEND);
    server.start();
    try (Connection c = server.connect("postgres")) {
      c.createStatement().execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare the server: " + e.getMessage(), e);
    }
    return server;
  }

  private static boolean userExists(String name) {
    try {
      return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(line -> line.startsWith(name + ":"));
    } catch (IOException e) {
      return false;
    }
  }

  private void initdb(Path initdbLog) {
    LocalProcesses.run(
        LocalProcesses.as(OS_USER, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--no-instructions")),
        initdbLog, Duration.ofMinutes(2));
  }

  /** A streaming replica of {@code primary} through its slot, with the same archive to fall back on. */
  public static PostgresServer replicaOf(PostgresServer primary, Path dir) {
    Path data = dir.resolve("replica");
    PostgresServer replica = new PostgresServer(primary.bin, data, dir.resolve("replica.log"), LocalProcesses.freePort());
    LocalProcesses.run(
        LocalProcesses.as(OS_USER, List.of(primary.bin.resolve("pg_basebackup").toString(), "-h", "127.0.0.1",
            "-p", String.valueOf(primary.port), "-U", "postgres", "-D", data.toString(), "-R", "-S", "dr_replica",
            "-X", "stream", "-c", "fast")),
        dir.resolve("replica-basebackup.log"), Duration.ofMinutes(3));
    replica.start();
    return replica;
  }

  private static void prepare(Path dir, Path archive) throws IOException {
    Files.createDirectories(archive);
    if (LocalProcesses.runningAsRoot()) {
      LocalProcesses.run(List.of("chown", "-R", OS_USER + ":" + OS_USER, dir.toString()), dir.resolve("chown.log"), Duration.ofSeconds(30));
    }
  }

  private void start() {
    LocalProcesses.run(
        LocalProcesses.as(OS_USER, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(),
            "-o", "-p " + port, "-w", "-t", "120", "start")),
        log.resolveSibling(log.getFileName() + ".ctl"), Duration.ofMinutes(3));
  }

  /**
   * An immediate shutdown, as a crash would end it: {@code pg_ctl stop -m immediate} sends SIGQUIT
   * to the postmaster and every backend, nothing is checkpointed, and the next start recovers from
   * the WAL. (SIGKILL to the postmaster alone would leave its backends attached to the shared
   * memory for a while, and a start on the same data directory refuses that.)
   */
  public void crash() {
    LocalProcesses.run(
        LocalProcesses.as(OS_USER, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop")),
        log.resolveSibling(log.getFileName() + ".ctl"), Duration.ofMinutes(1));
  }

  /** Starts the server again on the same data directory and port, and waits until it accepts connections. */
  public void startAgain() {
    start();
  }

  /** The postmaster's process id, from {@code postmaster.pid}; empty when the server does not run. */
  public java.util.OptionalLong pid() {
    try {
      long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? java.util.OptionalLong.of(pid) : java.util.OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return java.util.OptionalLong.empty();
    }
  }

  /** Promotes a replica to primary and waits until it accepts writes. */
  public void promote() {
    LocalProcesses.run(
        LocalProcesses.as(OS_USER, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "120", "promote")),
        log.resolveSibling(log.getFileName() + ".ctl"), Duration.ofMinutes(3));
  }

  /** SIGKILL to the postmaster: no checkpoint, no goodbye to the replica; its backends follow it. */
  public void kill() {
    try {
      long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot kill the PostgreSQL server in " + data + ": " + e.getMessage(), e);
    }
  }

  /** Stops the server if it runs (immediate: the drill's data is thrown away after). */
  public void stop() {
    if (!Files.exists(data.resolve("postmaster.pid"))) {
      return;
    }
    try {
      LocalProcesses.run(
          LocalProcesses.as(OS_USER, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop")),
          log.resolveSibling(log.getFileName() + ".ctl"), Duration.ofMinutes(1));
    } catch (IllegalStateException e) {
      // already gone (killed): nothing to stop
    }
  }

  public int port() {
    return port;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  public DatabaseSettings settings() {
    return new DatabaseSettings(jdbcUrl(), "postgres", "");
  }

  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
  }

  /** The replay lag of a replica in bytes of WAL, as the primary sees it; empty when not streaming. */
  public List<String> replicationState() {
    List<String> states = new ArrayList<>();
    try (Connection c = connect("postgres");
        var rs = c.createStatement().executeQuery(
            "SELECT application_name, state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication")) {
      while (rs.next()) {
        states.add(rs.getString(1) + " " + rs.getString(2) + " lag " + rs.getLong(3) + " B");
      }
    } catch (SQLException e) {
      states.add("unknown: " + e.getMessage());
    }
    return states;
  }
}

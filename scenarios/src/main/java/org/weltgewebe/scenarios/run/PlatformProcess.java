package org.weltgewebe.scenarios.run;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * A platform node the run starts as a process of its own ({@code weltgewebe serve}) and stops at the
 * end. A separate process, not the runner's JVM, so that the CPU seconds and heap the report prices
 * are the platform's alone and not the load generator's.
 */
public final class PlatformProcess implements Platform {
  private static final Duration READY_WITHIN = Duration.ofMinutes(3);
  /** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
  private static final double TICKS_PER_SECOND = 100.0;

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
   * Starts {@code serveCommand} (a command line that runs {@code weltgewebe serve}, to which the HTTP,
   * metrics and cluster ports and the run id are appended) with the domain clock compressed by
   * {@code compression} so that it shows {@code virtualStart} now, logs to {@code log}, and waits
   * until {@code /health/ready} answers ready.
   */
  public static PlatformProcess start(
      List<String> serveCommand, Map<String, String> environment, String runId, double compression, Instant virtualStart, Path log) {
    int httpPort = freePort();
    int metricsPort = freePort();
    // a known cluster port, so that an in-cluster load driver can join the node
    int clusterPort = freePort();
    List<String> command = new ArrayList<>(serveCommand);
    command.addAll(List.of(
        "--http-port", String.valueOf(httpPort),
        "--metrics-port", String.valueOf(metricsPort),
        "--cluster-port", String.valueOf(clusterPort),
        "--run-id", runId));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + log.getParent(), e);
    }
    builder.redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    builder.environment().put("WELTGEWEBE_CLOCK_COMPRESSION", String.valueOf(compression));
    builder.environment().put("WELTGEWEBE_CLOCK_WALL_START", Instant.now().toString());
    builder.environment().put("WELTGEWEBE_CLOCK_VIRTUAL_START", virtualStart.toString());
    builder.environment().put("WELTGEWEBE_METRICS_ENABLED", "true");
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the platform: " + String.join(" ", command), e);
    }
    PlatformProcess platform =
        new PlatformProcess(
            process,
            URI.create("http://127.0.0.1:" + httpPort),
            URI.create("http://127.0.0.1:" + metricsPort + "/metrics"),
            clusterPort);
    platform.awaitReady(log);
    return platform;
  }

  private void awaitReady(Path log) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plus(READY_WITHIN);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the platform stopped while starting (exit " + process.exitValue() + "); its log: " + log);
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
    throw new IllegalStateException("the platform was not ready within " + READY_WITHIN + "; its log: " + log);
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
    // fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted after the command name's ')'
    Path stat = Path.of("/proc", String.valueOf(process.pid()), "stat");
    try {
      String text = Files.readString(stat, StandardCharsets.US_ASCII);
      String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
      return OptionalDouble.of((Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return OptionalDouble.empty();
    }
  }

  @Override
  public int nodes() {
    return 1;
  }

  @Override
  public boolean startedByRun() {
    return true;
  }

  /** Stops the node (SIGTERM runs its coordinated shutdown), forcibly after 30 s. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

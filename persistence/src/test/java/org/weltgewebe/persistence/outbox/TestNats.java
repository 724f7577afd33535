package org.weltgewebe.persistence.outbox;

import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * NATS for tests. {@link #shared} names the server at {@code WELTGEWEBE_TEST_NATS_URL} (default the
 * local one that nats/ensure-nats starts), with a stream name and subject prefix of the caller's
 * own, so tests never see each other's events. {@link #startPrivate} runs a nats-server subprocess
 * of the test's own, on a free port with its store in a temporary directory, that the test may
 * stop and start again (same port, same store) to play a broker outage.
 */
public final class TestNats implements AutoCloseable {
  private static final String SHARED_URL = env("WELTGEWEBE_TEST_NATS_URL", "nats://127.0.0.1:4222");

  private final Path directory;
  private final int port;
  private final String maxFileStore;
  private Process process;

  private TestNats(Path directory, int port, String maxFileStore) {
    this.directory = directory;
    this.port = port;
    this.maxFileStore = maxFileStore;
  }

  /** Settings for the shared server, with a fresh stream name and subject prefix. */
  public static NatsSettings shared() {
    return unique(SHARED_URL);
  }

  /** A private server whose JetStream can hold the 100 GiB stream; started. */
  public static TestNats startPrivate() {
    return startPrivate("1TB");
  }

  /** A private server with the given JetStream {@code max_file_store} (e.g. "1GB"); started. */
  public static TestNats startPrivate(String maxFileStore) {
    try {
      TestNats nats = new TestNats(Files.createTempDirectory("wg-nats-"), freePort(), maxFileStore);
      nats.start();
      return nats;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare a private nats-server", e);
    }
  }

  /** Settings for this server, with a fresh stream name and subject prefix. */
  public NatsSettings settings() {
    return unique(url());
  }

  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  /** Starts the server (again) and waits until it answers. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      Path config = directory.resolve("nats.conf");
      Files.writeString(config, "jetstream {\n  max_file_store: " + maxFileStore + "\n  max_memory_store: 64MB\n}\n");
      process =
          new ProcessBuilder(
                  binary(), "-a", "127.0.0.1", "-p", Integer.toString(port), "-js",
                  "-sd", directory.resolve("store").toString(), "-c", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(directory.resolve("server.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start nats-server (is it installed? nats/ensure-nats installs it)", e);
    }
    Process started = process;
    await("private nats-server on port " + port + " answering (log: " + directory.resolve("server.log") + ")")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .failFast("nats-server exited", () -> !started.isAlive())
        .until(this::answers);
  }

  /** Stops the server as an operator would (SIGTERM) and waits until it is gone. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A plain connection to this server, for the test's own looks at the stream. */
  public Connection connect() throws IOException, InterruptedException {
    return Nats.connect(Options.builder().server(url()).connectionTimeout(Duration.ofSeconds(5)).build());
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory harms nobody
    }
  }

  private boolean answers() {
    try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(1000);
      return s.getInputStream().read() == 'I'; // the server's INFO greeting
    } catch (IOException e) {
      return false;
    }
  }

  private static NatsSettings unique(String url) {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return new NatsSettings(url, "WG_TEST_" + id, "wgtest." + id, Duration.ofSeconds(5));
  }

  private static String binary() {
    return Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? "/usr/sbin/nats-server" : "nats-server";
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

package org.weltgewebe.scenarios.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.weltgewebe.persistence.ServiceProblem;

/**
 * A nats-server of a caller's own, started from the {@code nats-server} on the PATH with the
 * project's JetStream configuration ({@code nats/jetstream.conf}, copied onto the class path by
 * the build) on a free loopback port, its store in the caller's directory: a run's private NATS, or
 * the DR drill's. Its stream, consumers and dedupe memory are nobody else's.
 */
public final class NatsServer implements AutoCloseable {
  /** The project's server configuration, as the build copies it from {@code nats/jetstream.conf}. */
  static final String PROJECT_CONFIG = "jetstream.conf";
  private static final Duration LISTEN_WITHIN = Duration.ofSeconds(30);

  private final Path binary;
  private final Path conf;
  private final int port;
  private final Path log;
  // replaced by startAgain() after a kill (a fault run's nats-restart)
  private volatile Process process;

  private NatsServer(Path binary, Path conf, Process process, int port, Path log) {
    this.binary = binary;
    this.conf = conf;
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** The nats-server on the PATH; a {@link ServiceProblem} naming the package when there is none. */
  public static Path binary() {
    return LocalProcesses.onPath("nats-server").orElseThrow(() -> new ServiceProblem(
        "nats-server is not on the PATH: install the Debian package nats-server (apt-get install nats-server), "
            + "or give --nats-url of a running NATS with JetStream"));
  }

  /** Starts a server with the project's configuration, its store and log in {@code dir}. */
  public static NatsServer start(Path dir) {
    return start(dir, UnaryOperator.identity());
  }

  /**
   * Starts a server with the project's configuration as {@code edit} changes it (a test's server
   * without JetStream, or with a smaller {@code max_file_store}), its store and log in {@code dir}.
   */
  public static NatsServer start(Path dir, UnaryOperator<String> edit) {
    Path binary = binary();
    int port = LocalProcesses.freePort();
    Path conf = dir.resolve("nats.conf");
    Path log = dir.resolve("nats.log");
    try {
      Files.createDirectories(dir);
      Files.writeString(conf, edit.apply(projectConfig(port, dir.resolve("jetstream"))));
    } catch (IOException e) {
      throw new ServiceProblem("cannot start " + binary + " in " + dir + ": " + e.getMessage(), e);
    }
    NatsServer server = new NatsServer(binary, conf, launch(binary, conf, log), port, log);
    server.awaitListening();
    return server;
  }

  private static Process launch(Path binary, Path conf, Path log) {
    try {
      // appended: a restarted server's log follows the killed one's
      return new ProcessBuilder(binary.toString(), "-c", conf.toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new ServiceProblem("cannot start " + binary + " with " + conf + ": " + e.getMessage(), e);
    }
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + LISTEN_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      if (answers()) {
        return;
      }
      if (!process.isAlive()) {
        throw new ServiceProblem("nats-server stopped at start (exit " + process.exitValue() + "): " + LocalProcesses.tail(log));
      }
      LocalProcesses.sleep(Duration.ofMillis(50));
    }
    close();
    throw new ServiceProblem("nats-server did not listen within " + LISTEN_WITHIN.toSeconds() + " s (log: " + log + ")");
  }

  /** SIGKILL, as a crash would end it: no flush, no goodbye to the clients; returns once it is gone. */
  public void kill() {
    Process p = process;
    p.destroyForcibly();
    try {
      p.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing nats-server", e);
    }
  }

  /** Starts the server again after {@link #kill}: same configuration, port and store; returns once it answers. */
  public void startAgain() {
    if (process.isAlive()) {
      throw new IllegalStateException("nats-server (pid " + process.pid() + ") is still running");
    }
    process = launch(binary, conf, log);
    awaitListening();
  }

  /** The server process's id (another one after {@link #startAgain}). */
  public long pid() {
    return process.pid();
  }

  /** {@code nats/jetstream.conf} listening on {@code port} of the loopback interface, storing in {@code store}. */
  static String projectConfig(int port, Path store) {
    String text;
    try (InputStream in = NatsServer.class.getResourceAsStream(PROJECT_CONFIG)) {
      if (in == null) {
        throw new IllegalStateException("the build did not copy nats/jetstream.conf onto the class path (" + PROJECT_CONFIG + ")");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String listen = text.replaceFirst("(?m)^listen:.*$", "listen: 127.0.0.1:" + port);
    String stored = listen.replaceFirst("(?m)^(\\s*)store_dir:.*$", "$1store_dir: \"" + store.toAbsolutePath() + "\"");
    if (listen.equals(text) || stored.equals(listen)) {
      throw new IllegalStateException("nats/jetstream.conf has no 'listen:' or 'store_dir:' line to point at a private server");
    }
    return stored;
  }

  /** True once the server greets a client with its INFO line. */
  public boolean answers() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(1000);
      return s.getInputStream().read() == 'I';
    } catch (IOException e) {
      return false;
    }
  }

  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The server's log file. */
  public Path log() {
    return log;
  }

  /** True while the server process runs. */
  public boolean running() {
    return process.isAlive();
  }

  /** Stops the server (SIGTERM, forcibly after 20 s) and waits until it is gone. */
  @Override
  public void close() {
    Process process = this.process;
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}

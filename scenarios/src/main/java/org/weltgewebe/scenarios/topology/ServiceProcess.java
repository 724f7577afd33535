package org.weltgewebe.scenarios.topology;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.scenarios.run.ChildProcesses;

/**
 * A program a run or a test starts as a child process (Caddy, PgBouncer) and stops at its end:
 * never a system service, on ports of its own, its output in a log file of the run. Knows the CPU
 * it has used, so a report can say what the production parts cost beside the node.
 */
final class ServiceProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private ServiceProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command} with {@code environment} added, its output into {@code log}. */
  static ServiceProcess start(String name, List<String> command, Map<String, String> environment, Path log) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    try {
      return new ServiceProcess(name, builder.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + " (" + String.join(" ", command) + "): " + e.getMessage(), e);
    }
  }

  /** The program's first output line of {@code command}, e.g. its version; empty when it cannot run. */
  static String firstLine(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor(10, TimeUnit.SECONDS);
      return out.isEmpty() ? "" : out.lines().findFirst().orElse("");
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Whether {@code program} can be found on the PATH (or in /usr/sbin, where Debian puts PgBouncer). */
  static boolean onPath(String program) {
    return locate(program).isPresent();
  }

  /** Where {@code program} is: the first executable of that name on the PATH, else in /usr/sbin. */
  static java.util.Optional<String> locate(String program) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator, -1)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
          return java.util.Optional.of(Path.of(dir, program).toString());
        }
      }
    }
    Path sbin = Path.of("/usr/sbin", program);
    return Files.isExecutable(sbin) ? java.util.Optional.of(sbin.toString()) : java.util.Optional.empty();
  }

  /** Fails with the log's last lines when the process has ended. */
  void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " ended (exit " + process.exitValue() + "): " + tail());
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  Path log() {
    return log;
  }

  /** The last lines of the log, for an error message. */
  String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())) + " (log " + log + ")";
    } catch (IOException e) {
      return "see " + log;
    }
  }

  /** CPU seconds (user + system) the process has used so far; empty once it is gone. */
  OptionalDouble cpuSeconds() {
    return ChildProcesses.cpuSeconds(process);
  }

  /** Stops the process with SIGTERM, forcibly after 10 s. */
  @Override
  public void close() {
    ChildProcesses.stop(process, Duration.ofSeconds(10), Duration.ofSeconds(5));
  }
}

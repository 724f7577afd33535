package org.weltgewebe.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Runs Prometheus' {@code promtool} (Debian package {@code prometheus}; .ci/run installs it). */
final class Promtool {
  /**
   * Lint findings on names that the stock prometheus-nats-exporter uses and we keep on purpose, so
   * that its dashboards work on our series.
   */
  static final Set<String> EXPORTER_NAME_FINDINGS =
      Set.of(
          "jetstream_stream_consumer_count non-histogram and non-summary metrics should not have \"_count\" suffix",
          "jetstream_stream_subject_count non-histogram and non-summary metrics should not have \"_count\" suffix");

  /** What promtool said: its exit code, and its output line by line. */
  record Result(int exitCode, String output) {
    List<String> findings() {
      return output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
  }

  private Promtool() {}

  /** {@code promtool check rules} on a rule file's text. */
  static Result checkRules(String yaml) throws IOException, InterruptedException {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("weltgewebe-rules", ".yml");
    try {
      java.nio.file.Files.writeString(file, yaml);
      Process process = start("check", "rules", file.toString());
      return finish(process, "check rules");
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  private static Process start(String... arguments) {
    List<String> command = new java.util.ArrayList<>(List.of("promtool"));
    command.addAll(List.of(arguments));
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("promtool is missing: apt-get install prometheus (as .ci/run does)", e);
    }
  }

  private static Result finish(Process process, String what) throws IOException, InterruptedException {
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("promtool " + what + " did not finish within 60 s");
    }
    return new Result(process.exitValue(), output);
  }

  /** {@code promtool check metrics} on an exposition given on its standard input. */
  static Result checkMetrics(String exposition) throws IOException, InterruptedException {
    Process process = start("check", "metrics");
    try (OutputStream in = process.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    return finish(process, "check metrics");
  }
}

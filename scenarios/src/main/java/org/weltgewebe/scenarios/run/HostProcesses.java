package org.weltgewebe.scenarios.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.weltgewebe.reports.CapacityReport.ProcessCpu;

/**
 * The CPU the services of a run have used on this machine, process by process, from /proc: every
 * PostgreSQL process (the postmaster, its backends and workers: command name {@code postgres}),
 * every {@code nats-server}, Caddy and PgBouncer when a proxied run starts them, and this JVM, which
 * is the load generator. A capacity step reads it at its start and its end, so that the host's busy
 * cores can be split by who spent them ({@link #between}). Processes are told apart by command name,
 * so a second PostgreSQL on the machine (the system's beside a run's private one) counts as
 * PostgreSQL too; an idle one adds next to nothing.
 */
record HostProcesses(Map<Long, Sample> byPid) {
  private static final Path PROC = Path.of("/proc");
  private static final Map<String, String> BY_COMMAND = Map.of(
      "postgres", ProcessCpu.POSTGRESQL,
      "nats-server", ProcessCpu.NATS,
      "caddy", "Caddy",
      "pgbouncer", "PgBouncer");

  /** One process: which service it belongs to and the CPU it has used so far (user + system). */
  record Sample(String service, double cpuSeconds) {}

  /** This machine now; empty where /proc cannot be listed (not Linux). */
  static Optional<HostProcesses> now() {
    return read(PROC, ProcessHandle.current().pid());
  }

  /**
   * The processes under {@code proc} (a /proc tree) that belong to a known service, {@code self}
   * being the load generator. A process that ends while it is read is left out.
   */
  static Optional<HostProcesses> read(Path proc, long self) {
    Map<Long, Sample> samples = new HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
      for (Path dir : dirs) {
        long pid = Long.parseLong(dir.getFileName().toString());
        stat(dir.resolve("stat"), pid == self).ifPresent(s -> samples.put(pid, s));
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.of(new HostProcesses(Map.copyOf(samples)));
  }

  /** The service and CPU seconds in one /proc/<pid>/stat, if it belongs to a known service. */
  private static Optional<Sample> stat(Path stat, boolean generator) {
    String text;
    try {
      text = Files.readString(stat, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return Optional.empty(); // ended meanwhile
    }
    int open = text.indexOf('(');
    int close = text.lastIndexOf(')');
    if (open < 0 || close < open) {
      return Optional.empty();
    }
    String service = generator ? ProcessCpu.GENERATOR : BY_COMMAND.get(text.substring(open + 1, close));
    if (service == null) {
      return Optional.empty();
    }
    // fields 14 and 15 (utime, stime) are the 12th and 13th after the command name
    String[] fields = text.substring(close + 2).split(" ", -1);
    return Optional.of(new Sample(service, (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / ChildProcesses.TICKS_PER_SECOND));
  }

  private static boolean isPid(String name) {
    return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
  }

  /**
   * The host's busy CPU of a step split by who spent it, in the step's active seconds, the way
   * {@link HostCpu#between} scales the host's: each service's CPU between {@code earlier} and
   * {@code later} (a process born in between counts from zero; one that ended is lost and falls to
   * "other"), the node's from {@code nodeCpuSeconds} over the same readings, and "other" what the
   * host spent beyond them all. Empty when a reading or the host's figure is missing.
   */
  static List<ProcessCpu> between(
      Optional<HostProcesses> earlier, Optional<HostProcesses> later, double nodeCpuSeconds, HostCpu host, double readSeconds,
      double activeSeconds) {
    if (earlier.isEmpty() || later.isEmpty() || host.cores() == 0 || !(readSeconds > 0) || !(activeSeconds > 0)) {
      return List.of();
    }
    double scale = activeSeconds / readSeconds;
    Map<String, Double> spent = new LinkedHashMap<>();
    spent.put(ProcessCpu.NODE, Math.max(0, nodeCpuSeconds) * scale);
    spent.put(ProcessCpu.POSTGRESQL, 0.0);
    spent.put(ProcessCpu.NATS, 0.0);
    for (Map.Entry<Long, Sample> e : later.get().byPid().entrySet()) {
      Sample before = earlier.get().byPid().get(e.getKey());
      double used = e.getValue().cpuSeconds() - (before == null ? 0 : before.cpuSeconds());
      spent.merge(e.getValue().service(), Math.max(0, used) * scale, Double::sum);
    }
    double named = spent.values().stream().mapToDouble(Double::doubleValue).sum();
    spent.put(ProcessCpu.OTHER, Math.max(0, host.busySeconds() - named));
    List<ProcessCpu> split = new ArrayList<>();
    spent.forEach((name, seconds) -> split.add(new ProcessCpu(name, seconds)));
    return List.copyOf(split);
  }
}

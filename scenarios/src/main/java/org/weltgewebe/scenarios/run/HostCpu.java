package org.weltgewebe.scenarios.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The whole machine's CPU, from /proc/stat: busy seconds of all its CPUs together (since boot for a
 * reading, over an interval for the difference of two) and how many CPUs there are. A capacity step
 * records it beside the platform's own CPU, because on one machine the node, PostgreSQL, NATS and
 * the load generator share the cores and it is their sum that saturates (issue 14). Busy is total −
 * idle − iowait; steal counts as busy (a core the hypervisor gave to someone else is not ours to
 * use), guest and guest_nice are already inside user and nice.
 */
record HostCpu(double busySeconds, int cores) {
  /** What a step records when the host could not be read (not Linux). */
  static final HostCpu NOT_MEASURED = new HostCpu(0, 0);
  private static final Path PROC_STAT = Path.of("/proc/stat");

  /** This machine now; empty where /proc/stat cannot be read or parsed. */
  static Optional<HostCpu> now() {
    try {
      return parse(Files.readString(PROC_STAT, StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The aggregate "cpu" line of a /proc/stat text (user nice system idle iowait irq softirq steal
   * guest guest_nice, in USER_HZ ticks; older kernels have fewer) and the number of "cpuN" lines.
   */
  static Optional<HostCpu> parse(String procStat) {
    long busy = -1;
    int cores = 0;
    for (String line : procStat.split("\n", -1)) {
      String[] fields = line.trim().split("\\s+", -1);
      if (fields[0].equals("cpu")) {
        long sum = 0;
        // fields 1–8: user … steal; 9 and 10 (guest, guest_nice) are counted in user and nice already
        for (int i = 1; i < Math.min(fields.length, 9); i++) {
          sum += Long.parseLong(fields[i]);
        }
        long idle = fields.length > 4 ? Long.parseLong(fields[4]) : 0;
        long iowait = fields.length > 5 ? Long.parseLong(fields[5]) : 0;
        busy = sum - idle - iowait;
      } else if (fields[0].startsWith("cpu") && fields[0].length() > 3 && Character.isDigit(fields[0].charAt(3))) {
        cores++;
      }
    }
    return busy < 0 || cores == 0 ? Optional.empty() : Optional.of(new HostCpu(busy / ChildProcesses.TICKS_PER_SECOND, cores));
  }

  /**
   * What the host spent in {@code activeSeconds} of a step whose readings {@code earlier} and
   * {@code later} lie {@code readSeconds} apart: the mean busy cores between the readings times the
   * active time. The readings bracket the generator's start and its report of the step as well, so
   * their plain difference over the step's active time overstated the busy cores (2.13 of 2 in a
   * search here); {@link #NOT_MEASURED} when either reading or the interval is missing.
   */
  static HostCpu between(Optional<HostCpu> earlier, Optional<HostCpu> later, double readSeconds, double activeSeconds) {
    if (earlier.isEmpty() || later.isEmpty() || !(readSeconds > 0) || !(activeSeconds > 0)) {
      return NOT_MEASURED;
    }
    double busyCores = Math.max(0, later.get().busySeconds() - earlier.get().busySeconds()) / readSeconds;
    return new HostCpu(busyCores * activeSeconds, later.get().cores());
  }
}

package org.weltgewebe.scenarios.run;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * What a run does with the programs it starts as child processes (a platform node, Caddy,
 * PgBouncer): finds them free ports, reads the CPU they have used, and stops them.
 */
public final class ChildProcesses {
  /** Linux's USER_HZ: /proc/<pid>/stat and /proc/stat count CPU time in these ticks. */
  static final double TICKS_PER_SECOND = 100.0;

  private ChildProcesses() {}

  /** A port nobody listens on now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  /** CPU seconds (user + system) {@code process} has used so far; empty once it is gone. */
  public static OptionalDouble cpuSeconds(Process process) {
    // fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted after the command name's ')'
    Path stat = Path.of("/proc", String.valueOf(process.pid()), "stat");
    try {
      String text = Files.readString(stat, StandardCharsets.US_ASCII);
      String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ", -1);
      return OptionalDouble.of((Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return OptionalDouble.empty();
    }
  }

  /**
   * Stops {@code process} with SIGTERM, so that its own shutdown runs; kills it once {@code grace}
   * has passed and waits up to {@code afterKill} for it to be gone.
   */
  public static void stop(Process process, Duration grace, Duration afterKill) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(afterKill.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}

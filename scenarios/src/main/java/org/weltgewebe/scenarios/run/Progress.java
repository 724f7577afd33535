package org.weltgewebe.scenarios.run;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The line a run prints while it runs: phase, a bar with the share of the planned wall time done,
 * the ETA, and live figures (requests, rate, shed, events persisted). On a terminal it redraws one
 * line; into a file or a pipe it writes a line every 10 s.
 */
public final class Progress implements AutoCloseable {
  /** What the load generator and the oracle have counted so far. */
  public record Figures(long requests, long ok, long shed, long errors, long sessions) {}

  private final PrintStream out;
  // On Java 17 System.console() is null exactly when there is no terminal (JDK 22 changed that).
  @SuppressWarnings("SystemConsoleNull")
  private final boolean terminal = System.console() != null;
  private final ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "progress");
    t.setDaemon(true);
    return t;
  });
  private final long startNanos = System.nanoTime();
  private final Duration planned;
  private volatile String phase = "starting";
  private volatile Figures last = new Figures(0, 0, 0, 0, 0);
  private volatile long lastNanos = System.nanoTime();

  // A fixed-rate schedule that runs until its executor is shut down.
  @SuppressWarnings("FutureReturnValueIgnored")
  Progress(PrintStream out, Duration planned, Supplier<Figures> figures, Supplier<Long> persisted) {
    this.out = out;
    this.planned = planned;
    every.scheduleAtFixedRate(() -> print(figures.get(), persisted.get()), 1, terminal ? 1 : 10, TimeUnit.SECONDS);
  }

  void phase(String name) {
    phase = name;
  }

  private void print(Figures now, long persisted) {
    try {
      long nanos = System.nanoTime();
      double rate = (now.requests() - last.requests()) / Math.max(1e-9, (nanos - lastNanos) / 1e9);
      last = now;
      lastNanos = nanos;
      double elapsed = (nanos - startNanos) / 1e9;
      double share = Math.min(1, elapsed / Math.max(1, planned.toSeconds()));
      int filled = (int) Math.round(share * 24);
      String line = String.format("%-9s [%s%s] %3.0f%% ETA %s | %,d req (%,.0f/s) | %,d ok | %,d shed | %,d err | %,d sessions | %,d events",
          phase, "#".repeat(filled), ".".repeat(24 - filled), share * 100,
          eta(Math.max(0, planned.toSeconds() - elapsed)), now.requests(), rate, now.ok(), now.shed(), now.errors(), now.sessions(), persisted);
      if (terminal) {
        out.print("\r" + line);
      } else {
        out.println(line);
      }
      out.flush();
    } catch (RuntimeException e) {
      // the progress line must never break a run
    }
  }

  private static String eta(double seconds) {
    long s = Math.round(seconds);
    return String.format("%d:%02d", s / 60, s % 60);
  }

  @Override
  public void close() {
    every.shutdownNow();
    if (terminal) {
      out.println();
    }
  }
}

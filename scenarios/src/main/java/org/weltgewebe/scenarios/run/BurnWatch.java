package org.weltgewebe.scenarios.run;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.slo.SloRules;

/**
 * Stops a run early when a route burns its error budget faster than the policy's abort rate
 * (14.4×, the SRE workbook's fast-burn paging threshold: 2 % of a month's budget in an hour), as
 * k6's abort-on-fail does: a platform that is plainly failing is not measured for another hour.
 *
 * <p>The burn rate is judged over the last {@link #WINDOWS} 10-second windows of the phase (one
 * minute of wall time), and only on a route with at least {@link #MIN_REQUESTS} requests in them,
 * so a handful of failures at the start of a quiet route does not end a run.
 */
final class BurnWatch {
  static final int WINDOWS = 6;
  static final int MIN_REQUESTS = 50;

  private final Judge judge;
  private final double abortAtBurnRate;

  BurnWatch(Judge judge, double abortAtBurnRate) {
    this.judge = judge;
    this.abortAtBurnRate = abortAtBurnRate;
  }

  /** Checks the main phase's burn rate every 10 s; on a breach stops the load and keeps the reason. */
  // A fixed-delay schedule that runs until the caller shuts the returned executor down.
  @SuppressWarnings("FutureReturnValueIgnored")
  java.util.concurrent.ScheduledExecutorService watch(
      Load load, java.util.concurrent.atomic.AtomicReference<String> aborted, java.io.PrintStream out) {
    java.util.concurrent.ScheduledExecutorService every = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "burn-watch");
      t.setDaemon(true);
      return t;
    });
    every.scheduleWithFixedDelay(() -> {
      try {
        check(load.windows(), "main").ifPresent(reason -> {
          if (aborted.compareAndSet("", reason)) {
            out.println();
            out.println("aborting: " + reason);
            load.abort(reason);
          }
        });
      } catch (RuntimeException e) {
        // a failed check is retried at the next tick; the run is judged at its end in any case
      }
    }, 10, 10, java.util.concurrent.TimeUnit.SECONDS);
    return every;
  }

  /** Why the run should stop now, judged on {@code phase}'s recent windows; empty while no route burns too fast. */
  Optional<String> check(List<RunReport.Window> windows, String phase) {
    double last = windows.stream().filter(w -> w.phase().equals(phase)).mapToDouble(RunReport.Window::offsetSeconds).max().orElse(-1);
    if (last < 0) {
      return Optional.empty();
    }
    // the newest window is still filling: judge the whole ones before it
    double from = last - WINDOWS * 10;
    Map<String, long[]> byRoute = new HashMap<>();
    for (RunReport.Window w : windows) {
      if (w.phase().equals(phase) && !"*".equals(w.route()) && w.offsetSeconds() >= from && w.offsetSeconds() < last) {
        long[] counts = byRoute.computeIfAbsent(w.method() + " " + w.route(), k -> new long[2]);
        counts[0] += w.requests();
        counts[1] += w.errors();
      }
    }
    for (Map.Entry<String, long[]> e : byRoute.entrySet()) {
      long requests = e.getValue()[0];
      long bad = e.getValue()[1];
      if (requests < MIN_REQUESTS) {
        continue;
      }
      String[] key = e.getKey().split(" ", 2);
      SloRules.Objective objective = judge.objective(key[0], key[1]);
      if (objective == null) {
        continue;
      }
      double allowed = 1 - objective.availabilityPercent().doubleValue() / 100;
      double burn = allowed <= 0 ? Double.POSITIVE_INFINITY : ((double) bad / requests) / allowed;
      if (burn > abortAtBurnRate) {
        return Optional.of(String.format(
            "%s burnt its error budget %.1f× faster than allowed over the last minute (%d of %d requests failed; abort at %.1f×)",
            e.getKey(), burn, bad, requests, abortAtBurnRate));
      }
    }
    return Optional.empty();
  }
}

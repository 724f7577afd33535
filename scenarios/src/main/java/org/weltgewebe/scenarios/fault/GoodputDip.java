package org.weltgewebe.scenarios.fault;

import java.util.List;
import org.weltgewebe.reports.FaultReport;

/**
 * How far the clients' goodput fell around one fault and how long it took to come back, from the
 * per-second figures the load generator measured (the clients' view, not the platform's).
 *
 * <p>Goodput is the ok answers per second, smoothed as 5-s means because a low-rate scenario's
 * single seconds are too noisy to judge. The reference is the mean of the 20 s before the fault
 * (or since the previous fault ended, when that is later and leaves at least 5 s). The dip is the
 * lowest 5-s mean from the fault's start to the horizon (the next fault's start or the end of the
 * load), in percent of the reference; recovery is the time from the fault's start to the first 5-s
 * window after that lowest point whose mean is back at {@link #RECOVERED} of the reference. A fault
 * whose lowest mean stays at 90 % or more did not dip: recovery 0.
 */
public final class GoodputDip {
  /** The share of the pre-fault goodput that counts as recovered. */
  public static final double RECOVERED = 0.9;
  static final int SMOOTHING_SECONDS = 5;
  static final int REFERENCE_SECONDS = 20;

  private GoodputDip() {}

  /**
   * The dip around a fault from second {@code start} (seconds after the main phase's start), judged
   * up to {@code horizon} (exclusive), with the previous fault's end at {@code previousEnd} (-1:
   * none); {@code ok[t]} holds the ok answers of second t.
   */
  public static FaultReport.Dip of(long[] ok, int start, int previousEnd, int horizon) {
    int refFrom = Math.max(0, start - REFERENCE_SECONDS);
    if (previousEnd >= 0 && start - previousEnd >= SMOOTHING_SECONDS) {
      refFrom = Math.max(refFrom, previousEnd);
    }
    double reference = mean(ok, refFrom, start);
    int end = Math.min(horizon, ok.length);
    if (reference <= 0 || end - start < SMOOTHING_SECONDS) {
      return new FaultReport.Dip(reference, 0, 0, null);
    }
    double lowest = Double.MAX_VALUE;
    int lowestAt = start;
    for (int t = start; t + SMOOTHING_SECONDS <= end; t++) {
      double m = mean(ok, t, t + SMOOTHING_SECONDS);
      if (m < lowest) {
        lowest = m;
        lowestAt = t;
      }
    }
    double dip = Math.max(0, (1 - lowest / reference) * 100);
    if (lowest >= RECOVERED * reference) {
      return new FaultReport.Dip(reference, lowest, dip, 0.0);
    }
    for (int t = lowestAt + 1; t + SMOOTHING_SECONDS <= end; t++) {
      if (mean(ok, t, t + SMOOTHING_SECONDS) >= RECOVERED * reference) {
        return new FaultReport.Dip(reference, lowest, dip, (double) (t - start));
      }
    }
    return new FaultReport.Dip(reference, lowest, dip, null);
  }

  /** Ok answers per second after the main phase's start, from the timeline (seconds without a request: 0). */
  public static long[] okPerSecond(List<FaultReport.Point> timeline) {
    int length = timeline.stream().mapToInt(p -> (int) Math.round(p.offsetSeconds()) + 1).max().orElse(0);
    long[] ok = new long[Math.max(0, length)];
    for (FaultReport.Point p : timeline) {
      int t = (int) Math.round(p.offsetSeconds());
      if (t >= 0) {
        ok[t] += p.ok();
      }
    }
    return ok;
  }

  private static double mean(long[] ok, int from, int to) {
    if (to <= from) {
      return 0;
    }
    long sum = 0;
    for (int t = Math.max(0, from); t < Math.min(to, ok.length); t++) {
      sum += ok[t];
    }
    return (double) sum / (to - from);
  }
}

package org.weltgewebe.scenarios.run;

import java.util.List;
import org.weltgewebe.reports.RunReport;

/**
 * The latency of a whole step, all routes together, from the per-route figures a {@link Load}
 * gives: the load interface reports percentiles per route, not histograms, so the step's percentiles
 * are estimated. Each route's distribution is taken as piecewise linear through its known points
 * (0, p50, p90, p95, p99, max); the step's q-quantile is where the request-weighted mixture of those
 * reaches q. Exact for one route and bounded by the routes' own q-quantiles for many; mean and max
 * are exact.
 */
public final class MixedLatency {
  private static final double[] LEVELS = {0, 0.50, 0.90, 0.95, 0.99, 1.0};

  /** One route's share of the step: how many requests its latency figures describe. */
  public record Part(long requests, RunReport.Latency latency) {}

  private MixedLatency() {}

  public static RunReport.Latency of(List<Part> parts) {
    long total = parts.stream().mapToLong(Part::requests).sum();
    if (total == 0) {
      return new RunReport.Latency(0, 0, 0, 0, 0, 0);
    }
    double max = parts.stream().filter(p -> p.requests() > 0).mapToDouble(p -> p.latency().maxMillis()).max().orElse(0);
    double mean = parts.stream().mapToDouble(p -> p.requests() * p.latency().meanMillis()).sum() / total;
    return new RunReport.Latency(
        quantile(parts, total, 0.50, max), quantile(parts, total, 0.90, max), quantile(parts, total, 0.95, max),
        quantile(parts, total, 0.99, max), max, mean);
  }

  /** Bisection on the mixture's distribution function, which is monotone in x. */
  private static double quantile(List<Part> parts, long total, double q, double max) {
    double lo = 0;
    double hi = max;
    for (int i = 0; i < 60; i++) {
      double mid = (lo + hi) / 2;
      if (mixture(parts, total, mid) >= q) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static double mixture(List<Part> parts, long total, double x) {
    double sum = 0;
    for (Part p : parts) {
      if (p.requests() > 0) {
        sum += p.requests() * distribution(p.latency(), x);
      }
    }
    return sum / total;
  }

  /** Share of one route's requests at or below {@code x} ms, linear between its known percentiles. */
  private static double distribution(RunReport.Latency l, double x) {
    double[] at = {0, l.p50Millis(), l.p90Millis(), l.p95Millis(), l.p99Millis(), l.maxMillis()};
    if (x >= at[at.length - 1]) {
      return 1;
    }
    for (int k = 1; k < at.length; k++) {
      if (x < at[k]) {
        double width = at[k] - at[k - 1];
        return width <= 0 ? LEVELS[k - 1] : LEVELS[k - 1] + (LEVELS[k] - LEVELS[k - 1]) * (x - at[k - 1]) / width;
      }
    }
    return 1;
  }
}

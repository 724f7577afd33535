package org.weltgewebe.scenarios.run;

import java.util.List;
import java.util.OptionalDouble;
import org.weltgewebe.reports.CapacityReport;

/**
 * The knee of the latency curve — step p95 against offered rate — by Kneedle (Satopää et al.,
 * "Finding a 'Kneedle' in a Haystack", 2011): scale both axes to [0, 1] and take the point that
 * lies furthest below the straight line from the lowest to the highest load, i.e. the largest
 * {@code x − y}. On a latency curve, flat and then steep, that is the last rate before latency
 * takes off.
 *
 * <p>Scaling stretches any curve to full height, so a flat curve's noise would show a knee of its
 * own: there is a knee only when p95 rose to at least twice its value at the lowest load, and only
 * with three load levels or more. Each rate counts once, by its latest run.
 */
final class LatencyKnee {
  /** How far p95 must rise over its low-load value before a knee is looked for. */
  static final double MIN_RISE = 2.0;
  static final String METHOD = "Kneedle on step p95 vs offered rate (point furthest below the chord, both axes scaled to [0,1]),"
      + " only when p95 rose to >= 2x its lowest-load value";

  /** The knee's rate, if there is one, and a sentence saying how it was found or why there is none. */
  record Knee(OptionalDouble perSecond, String explanation) {}

  private LatencyKnee() {}

  static Knee of(List<CapacityReport.Step> steps) {
    List<CapacityReport.Step> curve = StepRule.latestPerRate(steps);
    if (curve.size() < 3) {
      return new Knee(OptionalDouble.empty(), "no knee: " + curve.size() + " load level(s), Kneedle needs 3");
    }
    double xLow = curve.get(0).offeredPerSecond();
    double xHigh = curve.get(curve.size() - 1).offeredPerSecond();
    double yLow = curve.get(0).latency().p95Millis();
    double yMin = curve.stream().mapToDouble(s -> s.latency().p95Millis()).min().orElse(0);
    double yMax = curve.stream().mapToDouble(s -> s.latency().p95Millis()).max().orElse(0);
    if (yMax < MIN_RISE * yLow || yMax <= yMin) {
      return new Knee(OptionalDouble.empty(), String.format(
          "no knee in %.1f-%.1f req/s: p95 stayed below %.0fx its lowest-load value (%.1f -> at most %.1f ms)",
          xLow, xHigh, MIN_RISE, yLow, yMax));
    }
    int best = -1;
    double bestDistance = 0;
    for (int i = 0; i < curve.size(); i++) {
      double x = (curve.get(i).offeredPerSecond() - xLow) / (xHigh - xLow);
      double y = (curve.get(i).latency().p95Millis() - yMin) / (yMax - yMin);
      if (x - y > bestDistance) {
        bestDistance = x - y;
        best = i;
      }
    }
    if (best < 0) {
      return new Knee(OptionalDouble.empty(), "no knee: p95 rose no faster than the offered rate (the curve is not convex)");
    }
    CapacityReport.Step knee = curve.get(best);
    return new Knee(OptionalDouble.of(knee.offeredPerSecond()), String.format(
        "Kneedle: %.1f req/s (p95 %.1f ms; %.1f ms at %.1f req/s, %.1f ms at %.1f req/s)",
        knee.offeredPerSecond(), knee.latency().p95Millis(), yLow, xLow, curve.get(curve.size() - 1).latency().p95Millis(), xHigh));
  }
}

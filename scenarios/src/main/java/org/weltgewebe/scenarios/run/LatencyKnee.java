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
 * <p>Guards against what a shared machine does to the curve: it starts where p95 is lowest (a
 * first step slowed by a neighbour's build would make the whole curve look concave); scaling
 * stretches any curve to full height, so there is a knee only when p95 rose to at least twice that
 * lowest value, and only with three load levels or more; and the knee must lie inside the curve —
 * the highest rate as "knee" means latency had not taken off yet. Each rate counts once, by its
 * latest run.
 */
final class LatencyKnee {
  /** How far p95 must rise over its lowest value before a knee is looked for. */
  static final double MIN_RISE = 2.0;
  static final String METHOD = "Kneedle on step p95 vs offered rate from the rate with the lowest p95 on (the point furthest"
      + " below the chord, both axes scaled to [0,1], not the last point), only when p95 rose to >= 2x its lowest value";

  /** The knee's rate, if there is one, and a sentence saying how it was found or why there is none. */
  record Knee(OptionalDouble perSecond, String explanation) {}

  private LatencyKnee() {}

  static Knee of(List<CapacityReport.Step> steps) {
    List<CapacityReport.Step> all = StepRule.latestPerRate(steps);
    int lowest = 0;
    for (int i = 1; i < all.size(); i++) {
      if (all.get(i).latency().p95Millis() < all.get(lowest).latency().p95Millis()) {
        lowest = i;
      }
    }
    List<CapacityReport.Step> curve = all.subList(lowest, all.size());
    if (curve.size() < 3) {
      return new Knee(OptionalDouble.empty(), "no knee: " + curve.size() + " load level(s) from the lowest p95 on, Kneedle needs 3");
    }
    double xLow = curve.get(0).offeredPerSecond();
    double xHigh = curve.get(curve.size() - 1).offeredPerSecond();
    double yMin = curve.get(0).latency().p95Millis();
    double yMax = curve.stream().mapToDouble(s -> s.latency().p95Millis()).max().orElse(0);
    if (yMax < MIN_RISE * yMin || yMax <= yMin) {
      return new Knee(OptionalDouble.empty(), String.format(
          "no knee in %.1f-%.1f req/s: p95 stayed below %.0fx its lowest value (%.1f ms at %.1f req/s, at most %.1f ms)",
          xLow, xHigh, MIN_RISE, yMin, xLow, yMax));
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
    if (best == curve.size() - 1) {
      return new Knee(OptionalDouble.empty(), String.format(
          "no knee: p95 at the highest rate (%.1f ms at %.1f req/s) is still low against the curve's peak (%.1f ms); it had not taken off",
          curve.get(best).latency().p95Millis(), xHigh, yMax));
    }
    CapacityReport.Step knee = curve.get(best);
    return new Knee(OptionalDouble.of(knee.offeredPerSecond()), String.format(
        "Kneedle: %.1f req/s (p95 %.1f ms; %.1f ms at %.1f req/s, %.1f ms at %.1f req/s)",
        knee.offeredPerSecond(), knee.latency().p95Millis(), yMin, xLow, curve.get(curve.size() - 1).latency().p95Millis(), xHigh));
  }
}

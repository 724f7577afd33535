package org.weltgewebe.scenarios.run;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.weltgewebe.reports.CapacityReport;

/**
 * When a capacity search steps up, repeats a step, or stops, and what it found.
 *
 * <p>On a shared two-core machine one step can break for reasons that are not the platform's (a
 * neighbour's build, a GC pause in the generator), so a break is believed only when the same rate
 * breaks twice in a row: a broken step is run once more at the same rate; if the re-run meets every
 * objective the first run was noise and the search goes on upward, if it breaks too the search
 * stops. It also stops when the next rate would pass the maximum. The sustainable rate is the
 * highest rate whose latest run met every objective.
 */
final class StepRule {
  static final String DESCRIPTION = "stop when the same rate breaks twice in a row (a broken step is re-run once;"
      + " a re-run that meets every objective lets the search go on), or when the next rate would pass --max";

  /** What a search does after its latest step. */
  enum Next { STEP_UP, REPEAT, STOP }

  private StepRule() {}

  /** What comes after {@code steps} (in the order they ran), stepping up by {@code factor} to at most {@code max}. */
  static Next next(List<CapacityReport.Step> steps, double factor, double max) {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("no step has run yet");
    }
    CapacityReport.Step last = steps.get(steps.size() - 1);
    if (!last.met()) {
      return confirmsBreak(steps) ? Next.STOP : Next.REPEAT;
    }
    return last.offeredPerSecond() * factor > max * (1 + 1e-9) ? Next.STOP : Next.STEP_UP;
  }

  /** True when the latest step broke and the one before it broke at the same rate. */
  static boolean confirmsBreak(List<CapacityReport.Step> steps) {
    int n = steps.size();
    if (n < 2) {
      return false;
    }
    CapacityReport.Step last = steps.get(n - 1);
    CapacityReport.Step before = steps.get(n - 2);
    return !last.met() && !before.met() && sameRate(last, before);
  }

  /** The highest rate whose latest run met every objective; empty when none did. */
  static OptionalDouble sustainable(List<CapacityReport.Step> steps) {
    return latestPerRate(steps).stream()
        .filter(CapacityReport.Step::met)
        .mapToDouble(CapacityReport.Step::offeredPerSecond)
        .max();
  }

  /** The latest run at each offered rate, by rate ascending. */
  static List<CapacityReport.Step> latestPerRate(List<CapacityReport.Step> steps) {
    Map<Long, CapacityReport.Step> latest = new LinkedHashMap<>();
    for (CapacityReport.Step s : steps) {
      latest.put(rateKey(s.offeredPerSecond()), s);
    }
    List<CapacityReport.Step> list = new ArrayList<>(latest.values());
    list.sort(Comparator.comparingDouble(CapacityReport.Step::offeredPerSecond));
    return list;
  }

  private static boolean sameRate(CapacityReport.Step a, CapacityReport.Step b) {
    return rateKey(a.offeredPerSecond()) == rateKey(b.offeredPerSecond());
  }

  /** Rates are products of the factor: equal to a thousandth of a request per second is the same step. */
  private static long rateKey(double perSecond) {
    return Math.round(perSecond * 1000);
  }
}

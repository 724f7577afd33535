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
 *
 * <p>A break found by stepping up lies somewhere between the rate below it that held and the rate
 * that broke, a factor apart (1.4 by default: the answer, and the nodes a scenario needs, could be
 * off by up to 40 %). So once a rate has broken twice the search refines: it runs the geometric
 * middle of the highest held rate below the break and the lowest rate that broke twice, by the same
 * rules (a broken middle is run again), and goes on halving the gap until the two are at most the
 * resolution apart (1.1: 1.4 takes two middles, 1.18 and 1.09). A resolution of 1 does not refine.
 */
final class StepRule {
  static final String DESCRIPTION = "a rate that breaks twice in a row ends the stepping up (a broken step is re-run once;"
      + " a re-run that meets every objective lets the search go on), as does a next rate past --max; then the gap between"
      + " the highest rate that held below the break and the lowest that broke twice is halved (geometric middle, same rules)"
      + " until it is at most the resolution";

  /** What a search does after its latest step. */
  enum Next { STEP_UP, REPEAT, REFINE, STOP }

  private StepRule() {}

  /**
   * What comes after {@code steps} (in the order they ran), stepping up by {@code factor} to at most
   * {@code max}, and refining a confirmed break until the rates around it are at most {@code
   * resolution} apart ({@link #refineRate}).
   */
  static Next next(List<CapacityReport.Step> steps, double factor, double max, double resolution) {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("no step has run yet");
    }
    CapacityReport.Step last = steps.get(steps.size() - 1);
    if (!last.met() && !confirmsBreak(steps)) {
      return Next.REPEAT;
    }
    if (lowestBreak(steps).isPresent()) {
      return refineRate(steps, resolution).isPresent() ? Next.REFINE : Next.STOP;
    }
    return last.offeredPerSecond() * factor > max * (1 + 1e-9) ? Next.STOP : Next.STEP_UP;
  }

  /**
   * The next rate to refine at: the geometric middle of the highest rate below the lowest
   * confirmed break whose latest run held and that break, while they are more than {@code
   * resolution} apart; empty when they are not, when nothing broke twice or nothing below it held,
   * and for a resolution of 1 (no refining).
   */
  static OptionalDouble refineRate(List<CapacityReport.Step> steps, double resolution) {
    OptionalDouble broke = lowestBreak(steps);
    if (broke.isEmpty() || resolution <= 1) {
      return OptionalDouble.empty();
    }
    double b = broke.getAsDouble();
    OptionalDouble held = latestPerRate(steps).stream()
        .filter(s -> s.met() && CapacityReport.rateKey(s.offeredPerSecond()) < CapacityReport.rateKey(b))
        .mapToDouble(CapacityReport.Step::offeredPerSecond)
        .max();
    if (held.isEmpty() || b <= held.getAsDouble() * resolution * (1 + 1e-9)) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(Math.sqrt(held.getAsDouble() * b));
  }

  /** The lowest rate that broke in two runs in a row, if any ({@link CapacityReport#brokenTwice}). */
  static OptionalDouble lowestBreak(List<CapacityReport.Step> steps) {
    return CapacityReport.brokenTwice(steps).map(s -> OptionalDouble.of(s.offeredPerSecond())).orElse(OptionalDouble.empty());
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
      latest.put(CapacityReport.rateKey(s.offeredPerSecond()), s);
    }
    List<CapacityReport.Step> list = new ArrayList<>(latest.values());
    list.sort(Comparator.comparingDouble(CapacityReport.Step::offeredPerSecond));
    return list;
  }

  private static boolean sameRate(CapacityReport.Step a, CapacityReport.Step b) {
    return CapacityReport.rateKey(a.offeredPerSecond()) == CapacityReport.rateKey(b.offeredPerSecond());
  }
}

package org.weltgewebe.scenarios.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.slo.SloRules;

/**
 * The shedding check of a run: the sustainable rate the probe found, and the verdict on the
 * overload phase (answered at once, accepted requests fast, goodput held), judged on what the
 * generator really offered.
 */
final class OverloadCheck {
  /** The share of the sustainable rate the overload phase's goodput must hold. */
  static final double MIN_GOODPUT_SHARE = 0.9;

  private OverloadCheck() {}

  static double peakOkRate(List<RunReport.Window> windows, String phase) {
    return windows.stream()
        .filter(w -> w.phase().equals(phase) && w.route().equals("*"))
        .mapToDouble(w -> w.ok() / 10.0)
        .max()
        .orElse(0);
  }

  /** The phase's all-route windows in time order, without its first and last (cut by the phase's start and end) when it has three or more. */
  private static List<RunReport.Window> wholeWindows(List<RunReport.Window> windows, String phase) {
    List<RunReport.Window> all = windows.stream()
        .filter(w -> w.phase().equals(phase) && w.route().equals("*"))
        .sorted(java.util.Comparator.comparingDouble(RunReport.Window::offsetSeconds))
        .toList();
    return all.size() >= 3 ? all.subList(1, all.size() - 1) : all;
  }

  /** The largest share of a window's requests that may fail (shed, 5xx, unanswered) for its goodput to count as sustainable. */
  static final double KNEE_ERRORS = 0.05;

  /**
   * The highest goodput of {@code windows}, each {@code windowSeconds} long, that met the p99
   * objective with at most {@link #KNEE_ERRORS} of its requests failed; empty when none did.
   */
  static OptionalDouble kneeRate(List<RunReport.Window> windows, double windowSeconds, double p99ObjectiveMillis) {
    return windows.stream()
        .filter(w -> w.requests() > 0 && w.p99Millis() <= p99ObjectiveMillis && w.errors() <= KNEE_ERRORS * w.requests())
        .mapToDouble(w -> w.ok() / windowSeconds)
        .max();
  }

  /**
   * Length of the probe's sliding windows. Long enough for an overshoot to show: the ramp climbs
   * about 60 req/s each second, and a rate a tenth past the knee takes seconds to queue up to the
   * objective, so 2-s windows passed 530 req/s in a probe where the capacity search on the same build
   * sustained 405 (`S1-20261207-051934`, `CAP-S1-20261207-051024`). Sliding by a second, there are
   * about twenty of them in a 30-s probe rather than one or two whole ones.
   */
  static final int KNEE_WINDOW_SECONDS = 10;

  /** The sustainable rate and a sentence saying how it was found. */
  record Sustainable(double perSecond, String source) {}

  /**
   * The sustainable rate of a probe phase that ramped {@code from}→{@code to} req/s: the highest
   * goodput of a window in which the platform still met the mix's p99 objective and failed at most
   * {@link #KNEE_ERRORS} of the requests. A window past the knee may answer more 2xx per second while
   * its latency climbs (seen here: 583 ok/s in a window with p99 3.96 s), and 3× a rate past the
   * knee overloads a platform that is already queueing. The windows are the phase's sliding ones
   * of {@code slidingSeconds} ({@link #KNEE_WINDOW_SECONDS} in a run) when the driver keeps seconds:
   * whole 10-s windows are one or two of a 30-s ramp, and when none of them kept the objective the
   * run fell back to the highest goodput of any. Otherwise its whole 10-s windows of {@code windows}
   * (the first and last, cut by the phase's start and end, left out). Without any window within the
   * objective, the highest goodput of any.
   */
  static Sustainable probed(List<RunReport.Window> sliding, int slidingSeconds, List<RunReport.Window> windows, String phase,
      double objective, double from, double to) {
    double seconds = sliding.isEmpty() ? 10 : slidingSeconds;
    List<RunReport.Window> judged = sliding.isEmpty() ? wholeWindows(windows, phase) : sliding;
    String kind = sliding.isEmpty() ? "a whole 10-s window" : String.format("a %d-s window (sliding by 1 s)", slidingSeconds);
    OptionalDouble within = kneeRate(judged, seconds, objective);
    if (within.isPresent()) {
      boolean lastWithin = kneeRate(judged.subList(judged.size() - 1, judged.size()), seconds, objective).isPresent();
      return new Sustainable(within.getAsDouble(), String.format(
          "probe: highest goodput of %s with p99 ≤ %.0f ms and ≤ %.0f %% errors while ramping %.0f→%.0f req/s%s",
          kind, objective, KNEE_ERRORS * 100, from, to,
          lastWithin ? " (its last window was still within them: the knee lies higher, the rate is a lower bound)" : ""));
    }
    return new Sustainable(judged.stream().mapToDouble(w -> w.ok() / seconds).max().orElse(0), String.format(
        "probe: highest goodput of %s while ramping %.0f→%.0f req/s (no window kept p99 ≤ %.0f ms with ≤ %.0f %% errors)",
        kind, from, to, objective, KNEE_ERRORS * 100));
  }

  /** The strictest bound the overload check holds accepted requests to: the largest p99 objective of the routes measured. */
  static double p99Objective(List<RouteMeasure> measures, Judge judge) {
    double objective = 0;
    for (RouteMeasure m : measures) {
      SloRules.Objective o = judge.objective(m.method(), m.route());
      if (o != null) {
        objective = Math.max(objective, o.p99Millis());
      }
    }
    return objective;
  }

  /** The overload phase of a run that stopped before it. */
  static RunReport.Overload notRun(String why, double factor) {
    return new RunReport.Overload(0, "not measured", factor, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false,
        List.of("not run: " + why), 0, false, why);
  }

  /** The share of the generator's ceiling above which an overload's figures may be the generator's. */
  static final double GENERATOR_HEADROOM = 0.8;
  /** The share of the planned rate the generator must really offer for the goodput check to hold. */
  static final double MIN_OFFERED_SHARE = 0.9;

  static RunReport.Overload overload(
      List<RouteMeasure> measures, double sustainable, String source, double factor, double offeredPerSecond, Duration duration, Judge judge,
      double generatorCeiling, String generatorQueue) {
    long offered = 0;
    long ok = 0;
    long shed = 0;
    long other = 0;
    long timeouts = 0;
    double acceptedP99 = 0;
    double shedP99 = 0;
    for (RouteMeasure m : measures) {
      offered += m.requests();
      ok += m.ok();
      shed += m.shed();
      other += m.serverErrors();
      timeouts += m.timeouts();
      acceptedP99 = Math.max(acceptedP99, m.okLatency().p99Millis());
      shedP99 = Math.max(shedP99, m.shedLatency().p99Millis());
    }
    double objective = p99Objective(measures, judge);
    double seconds = duration.toMillis() / 1000.0;
    double goodput = ok / seconds;
    double goodputShare = sustainable > 0 ? goodput / sustainable : 0;
    List<String> failures = new ArrayList<>();
    if (timeouts > 0) {
      failures.add(timeouts + " requests got no answer (the platform must answer 503 at once, never time out)");
    }
    if (acceptedP99 > objective) {
      failures.add(String.format("accepted requests' p99 %.1f ms exceeds the routes' p99 objective %.0f ms", acceptedP99, objective));
    }
    double achieved = offered / seconds;
    // judged on what the generator really sent, and whether it could have: through a bounded pool a
    // platform that holds every connection also lowers the rate sent, and that shortfall is the
    // platform's, unless the plan was beyond the generator's own ceiling on this machine (the same
    // pool size against a route that does no work)
    boolean shortfall = achieved < MIN_OFFERED_SHARE * offeredPerSecond;
    boolean beyondCeiling = generatorCeiling <= 0 || offeredPerSecond > GENERATOR_HEADROOM * generatorCeiling;
    boolean generatorLimited = shortfall && beyondCeiling;
    List<String> notes = new ArrayList<>();
    if (generatorLimited) {
      notes.add(String.format("the generator offered %.0f of the planned %.0f req/s (its ceiling here: %.0f req/s): "
          + "goodput is not judged (a shortfall may be the generator's, not the platform's)", achieved, offeredPerSecond, generatorCeiling));
    } else if (shortfall) {
      notes.add(String.format("the generator offered %.0f of the planned %.0f req/s, well within its ceiling of %.0f req/s: "
          + "the platform held its connections", achieved, offeredPerSecond, generatorCeiling));
    } else if (offeredPerSecond > GENERATOR_HEADROOM * generatorCeiling && generatorCeiling > 0) {
      notes.add(String.format("planned %.0f req/s is above 80 %% of the generator's measured ceiling %.0f req/s, but it offered %.0f req/s",
          offeredPerSecond, generatorCeiling, achieved));
    }
    if (!generatorQueue.isEmpty()) {
      notes.add(generatorQueue);
    }
    String note = String.join("; ", notes);
    if (goodputShare < MIN_GOODPUT_SHARE && !generatorLimited) {
      failures.add(String.format("goodput %.0f/s is %.0f %% of the sustainable %.0f/s (needs ≥ %.0f %%)",
          goodput, goodputShare * 100, sustainable, MIN_GOODPUT_SHARE * 100));
    }
    return new RunReport.Overload(
        sustainable, source, factor, offeredPerSecond, seconds, offered, ok, shed, other, timeouts,
        offered == 0 ? 0 : (double) shed / offered, goodput, goodputShare, acceptedP99, objective, shedP99,
        failures.isEmpty(), List.copyOf(failures), achieved, generatorLimited, note);
  }
}

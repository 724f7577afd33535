package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What changed between a baseline run and a candidate run, with a regression marked only where the
 * change is larger than the run-to-run noise. A diff that cries wolf is worse than none, so:
 *
 * <ul>
 *   <li>Noise per metric is measured: the relative spread (max − min) / mean of the metric over the
 *       baseline and its repeats (further runs of the same configuration), at least {@link
 *       #MIN_MEASURED_NOISE}. With the baseline alone, noise is {@link #DEFAULT_NOISE}.
 *   <li>Latency changes smaller than {@link #MIN_LATENCY_CHANGE_MILLIS} are never regressions, and a
 *       route with fewer than {@link #MIN_REQUESTS} requests in either run is not judged (its
 *       percentiles are close to its maximum).
 *   <li>Verdict flips are listed; only the oracle's pass → fail is a regression by itself (it is a
 *       correctness check, not a noisy measurement). An SLO or shedding flip shows up through the
 *       metric behind it.
 *   <li>A route's SLO verdict is met, missed, or not enough data (too few requests to tell, {@link
 *       RunReport.SloVerdict#notEnoughData()}), and a change between any two of them is listed. A
 *       route the baseline judged and the candidate could not is marked "no longer judged": not a
 *       regression of its figures, but the candidate no longer shows what the baseline did.
 * </ul>
 */
public record RunDiff(
    String baselineRunId,
    List<String> repeatRunIds,
    String candidateRunId,
    String noiseBasis,
    List<MetricChange> metrics,
    List<VerdictChange> verdicts,
    List<String> notes) {

  /** Noise assumed when the baseline was run once. */
  public static final double DEFAULT_NOISE = 0.10;
  /** The least noise assumed even when repeats agree closely (a few repeats underestimate spread). */
  public static final double MIN_MEASURED_NOISE = 0.05;
  public static final double MIN_LATENCY_CHANGE_MILLIS = 2.0;
  public static final long MIN_REQUESTS = 20;

  /** One metric in both runs. {@code noise}: relative; {@code change}: relative to the baseline mean. */
  public record MetricChange(
      String metric, double baseline, double candidate, double change, double noise, boolean worse, boolean regression, String note) {}

  /**
   * A verdict that differs between the runs, in words: pass or fail for the run's checks; met,
   * missed or "not enough data (needs N requests)" for a route's objectives. {@code noLongerJudged}:
   * the baseline judged the route (met or missed) and the candidate had too few requests to.
   */
  public record VerdictChange(String check, String baseline, String candidate, boolean regression, boolean noLongerJudged) {}

  /** What a route's SLO verdict says, whatever the reason behind it. */
  private enum Judgement {
    MET,
    MISSED,
    NOT_ENOUGH_DATA;

    static Judgement of(RunReport.SloVerdict v) {
      return v.met() ? MET : v.notEnoughData() ? NOT_ENOUGH_DATA : MISSED;
    }
  }

  /** Whether any change is a regression beyond noise. */
  public boolean regression() {
    return metrics.stream().anyMatch(MetricChange::regression) || verdicts.stream().anyMatch(VerdictChange::regression);
  }

  /** Compares {@code candidate} with {@code baseline}, the noise measured over {@code baseline} and {@code repeats}. */
  public static RunDiff of(RunReport baseline, List<RunReport> repeats, RunReport candidate, Prices prices, double utilisation) {
    List<RunReport> base = new ArrayList<>();
    base.add(baseline);
    base.addAll(repeats);
    List<String> notes = new ArrayList<>();
    if (!baseline.scenario().id().equals(candidate.scenario().id())) {
      notes.add("the runs replayed different scenarios (" + baseline.scenario().id() + ", " + candidate.scenario().id() + "): costs compare different volumes");
    }
    for (RunReport r : repeats) {
      if (!r.scenario().id().equals(baseline.scenario().id())) {
        notes.add("repeat " + r.runId() + " replayed " + r.scenario().id() + ", not the baseline's " + baseline.scenario().id());
      }
    }
    String basis = repeats.isEmpty()
        ? String.format(Locale.ROOT, "baseline run once: noise taken as %.0f %% for every metric (pass --baseline-repeat to measure it)", DEFAULT_NOISE * 100)
        : String.format(Locale.ROOT, "noise measured per metric over %d baseline runs: (max − min) / mean, at least %.0f %%", base.size(), MIN_MEASURED_NOISE * 100);

    List<MetricChange> metrics = new ArrayList<>();
    Map<String, RunReport.RouteResult> candRoutes = byRoute(candidate);
    for (RunReport.RouteResult br : baseline.routes()) {
      String key = br.method() + " " + br.route();
      RunReport.RouteResult cr = candRoutes.get(key);
      if (cr == null) {
        notes.add(key + " is not in the candidate run");
        continue;
      }
      List<RunReport.RouteResult> baseRoutes = base.stream().map(r -> byRoute(r).get(key)).filter(x -> x != null).toList();
      boolean enough = baseRoutes.stream().allMatch(x -> x.requests() >= MIN_REQUESTS) && cr.requests() >= MIN_REQUESTS;
      String few = enough ? "" : "fewer than " + MIN_REQUESTS + " requests: not judged";
      metrics.add(higherIsWorse(key + " p95 ms", values(baseRoutes, x -> x.latency().p95Millis()), cr.latency().p95Millis(),
          repeats.isEmpty(), MIN_LATENCY_CHANGE_MILLIS, enough, few));
      metrics.add(higherIsWorse(key + " p99 ms", values(baseRoutes, x -> x.latency().p99Millis()), cr.latency().p99Millis(),
          repeats.isEmpty(), MIN_LATENCY_CHANGE_MILLIS, enough, few));
      metrics.add(higherIsWorse(key + " error %", values(baseRoutes, RunDiff::errorPercent), errorPercent(cr),
          repeats.isEmpty(), 0.5, enough, few));
    }
    metrics.add(higherIsWorse("overload accepted p99 ms", values(base, r -> r.overload().acceptedP99Millis()),
        candidate.overload().acceptedP99Millis(), repeats.isEmpty(), MIN_LATENCY_CHANGE_MILLIS, true, ""));
    metrics.add(lowerIsWorse("overload goodput req/s", values(base, r -> r.overload().goodputPerSecond()),
        candidate.overload().goodputPerSecond(), repeats.isEmpty()));
    metrics.add(lowerIsWorse("sustainable req/s", values(base, r -> r.overload().sustainablePerSecond()),
        candidate.overload().sustainablePerSecond(), repeats.isEmpty()));
    metrics.add(higherIsWorse("CPU s per session", values(base, r -> RunUsage.of(r).cpuSecondsPerSession()),
        RunUsage.of(candidate).cpuSecondsPerSession(), repeats.isEmpty(), 0, true, ""));
    List<CostModel.Pricing> basePricing = base.stream().map(r -> CostModel.price(r, prices, utilisation)).toList();
    CostModel.Pricing candPricing = CostModel.price(candidate, prices, utilisation);
    for (int i = 0; i < candPricing.own().providers().size(); i++) {
      int p = i;
      CostModel.ProviderCost c = candPricing.own().providers().get(p);
      metrics.add(higherIsWorse(c.providerName() + " € per 1,000 sessions",
          basePricing.stream().mapToDouble(x -> x.own().providers().get(p).eurPer1000Sessions()).toArray(),
          c.eurPer1000Sessions(), repeats.isEmpty(), 0, true, ""));
    }

    List<VerdictChange> verdicts = new ArrayList<>();
    RunReport.Verdict bv = baseline.verdict();
    RunReport.Verdict cv = candidate.verdict();
    flip(verdicts, "overall", bv.passed(), cv.passed(), false);
    flip(verdicts, "SLOs", bv.slosMet(), cv.slosMet(), false);
    flip(verdicts, "shedding", bv.sheddingPassed(), cv.sheddingPassed(), false);
    flip(verdicts, "oracle", bv.oraclePassed(), cv.oraclePassed(), bv.oraclePassed() && !cv.oraclePassed());
    for (RunReport.RouteResult br : baseline.routes()) {
      RunReport.RouteResult cr = candRoutes.get(br.method() + " " + br.route());
      if (cr != null) {
        flip(verdicts, "SLO " + br.method() + " " + br.route(), br.verdict(), cr.verdict());
      }
    }
    return new RunDiff(baseline.runId(), repeats.stream().map(RunReport::runId).toList(), candidate.runId(), basis,
        List.copyOf(metrics), List.copyOf(verdicts), List.copyOf(notes));
  }

  private static void flip(List<VerdictChange> into, String check, boolean a, boolean b, boolean regression) {
    if (a != b) {
      into.add(new VerdictChange(check, a ? "pass" : "fail", b ? "pass" : "fail", regression, false));
    }
  }

  /** A route's SLO verdict that says something else in the candidate; a change of the data it needs alone is none. */
  private static void flip(List<VerdictChange> into, String check, RunReport.SloVerdict a, RunReport.SloVerdict b) {
    Judgement was = Judgement.of(a);
    Judgement is = Judgement.of(b);
    if (was != is) {
      into.add(new VerdictChange(check, words(a), words(b), false, is == Judgement.NOT_ENOUGH_DATA));
    }
  }

  private static String words(RunReport.SloVerdict v) {
    return switch (Judgement.of(v)) {
      case MET -> "met";
      case MISSED -> "missed";
      case NOT_ENOUGH_DATA -> String.format(Locale.ROOT, "not enough data (needs %,d requests)", v.requestsNeeded());
    };
  }

  static double errorPercent(RunReport.RouteResult r) {
    return r.requests() > 0 ? 100.0 * (r.requests() - r.ok()) / r.requests() : 0;
  }

  private static Map<String, RunReport.RouteResult> byRoute(RunReport r) {
    Map<String, RunReport.RouteResult> m = new LinkedHashMap<>();
    r.routes().forEach(x -> m.put(x.method() + " " + x.route(), x));
    return m;
  }

  private static <T> double[] values(List<T> runs, Function<T, Double> metric) {
    return runs.stream().mapToDouble(metric::apply).toArray();
  }

  /** The relative noise of a metric over the baseline runs. */
  static double noise(double[] baseline, boolean single) {
    if (single || baseline.length < 2) {
      return DEFAULT_NOISE;
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    int n = 0;
    for (double v : baseline) {
      if (Double.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
        n++;
      }
    }
    if (n < 2) {
      return DEFAULT_NOISE;
    }
    double mean = sum / n;
    double spread = mean != 0 ? (max - min) / Math.abs(mean) : (max - min > 0 ? Double.POSITIVE_INFINITY : 0);
    return Math.max(MIN_MEASURED_NOISE, spread);
  }

  static double mean(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (Double.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    return n > 0 ? sum / n : Double.NaN;
  }

  /**
   * A metric where more is worse. A regression needs all of: the candidate worse than the
   * baseline mean by more than the noise, by more than {@code minAbsolute}, and enough data.
   */
  static MetricChange higherIsWorse(
      String metric, double[] baseline, double candidate, boolean single, double minAbsolute, boolean judged, String note) {
    double base = mean(baseline);
    double noise = noise(baseline, single);
    double change = relative(base, candidate);
    boolean worse = candidate - base > 1e-9 * Math.max(1, Math.abs(base));
    boolean beyond = Double.isFinite(change) ? change > noise : worse && candidate - base > minAbsolute;
    boolean regression = judged && worse && beyond && candidate - base > minAbsolute;
    return new MetricChange(metric, base, candidate, change, noise, worse, regression, note);
  }

  /** A metric where less is worse (throughput). */
  static MetricChange lowerIsWorse(String metric, double[] baseline, double candidate, boolean single) {
    double base = mean(baseline);
    double noise = noise(baseline, single);
    double change = relative(base, candidate);
    boolean worse = base - candidate > 1e-9 * Math.max(1, Math.abs(base));
    boolean regression = worse && Double.isFinite(change) && -change > noise;
    return new MetricChange(metric, base, candidate, change, noise, worse, regression, "");
  }

  private static double relative(double base, double candidate) {
    if (!Double.isFinite(base) || !Double.isFinite(candidate)) {
      return Double.NaN;
    }
    if (base == 0) {
      return candidate == 0 ? 0 : Double.NaN;
    }
    return (candidate - base) / Math.abs(base);
  }

  /** The diff as text for a terminal or a ticket. */
  public String format() {
    StringBuilder b = new StringBuilder();
    b.append("baseline ").append(baselineRunId);
    if (!repeatRunIds.isEmpty()) {
      b.append(" (+ repeats ").append(String.join(", ", repeatRunIds)).append(')');
    }
    b.append(" → candidate ").append(candidateRunId).append('\n');
    b.append("noise: ").append(noiseBasis).append('\n');
    notes.forEach(n -> b.append("note: ").append(n).append('\n'));
    b.append('\n').append(String.format(Locale.ROOT, "%-52s %12s %12s %9s %7s  %s%n", "metric", "baseline", "candidate", "change", "noise", ""));
    for (MetricChange m : metrics) {
      if (m.baseline() == 0 && m.candidate() == 0) {
        continue; // e.g. no errors in either run: nothing to read
      }
      String mark = m.regression() ? "REGRESSION" : m.worse() && !m.note().isEmpty() ? m.note() : m.worse() ? "worse, within noise" : "";
      b.append(String.format(Locale.ROOT, "%-52s %12s %12s %9s %7s  %s%n", m.metric(), ReportNumbers.num(m.baseline(), 2),
          ReportNumbers.num(m.candidate(), 2), Double.isFinite(m.change()) ? String.format(Locale.ROOT, "%+.1f %%", m.change() * 100) : "–",
          String.format(Locale.ROOT, "%.0f %%", m.noise() * 100), mark));
    }
    if (!verdicts.isEmpty()) {
      b.append("\nverdicts that changed:\n");
      verdicts.forEach(v -> b.append(String.format(Locale.ROOT, "  %-50s %s → %s%s%n", v.check(), v.baseline(), v.candidate(),
          v.regression() ? "  REGRESSION" : v.noLongerJudged() ? "  NO LONGER JUDGED" : "")));
    }
    long regressions = metrics.stream().filter(MetricChange::regression).count() + verdicts.stream().filter(VerdictChange::regression).count();
    long unjudged = verdicts.stream().filter(VerdictChange::noLongerJudged).count();
    b.append('\n').append(regressions == 0 ? "no regression beyond noise" : regressions + " regression(s) beyond noise");
    if (unjudged > 0) {
      b.append("; ").append(unjudged).append(unjudged == 1 ? " route's SLO verdict" : " routes' SLO verdicts")
          .append(" no longer judged: too few requests in the candidate");
    }
    b.append('\n');
    return b.toString();
  }
}

package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleUnaryOperator;
import org.weltgewebe.reports.SectionText.Block;
import org.weltgewebe.reports.SectionText.Paragraph;
import org.weltgewebe.reports.SectionText.Table;

/**
 * The what-if model of a capacity search: the stations a request waits at, each an M/M/c queue
 * ({@link QueueModel}). Reads wait for their admission limit (Gradient2's band starts at 16,
 * {@code weltgewebe.http.shedding}), writes for the database pool the journal's batches and the
 * read models share ({@code weltgewebe.db.pool-size}, 10), and every request for the host's cores,
 * which the node, PostgreSQL, NATS and the load generator share on one machine (issue 14: with the
 * first two stations alone the model predicted 5,200 req/s where the cores saturated near 570).
 *
 * <p>The equations, λ the offered rate and s_k a class's share of it:
 * <ul>
 *   <li>class k: c_k servers, service S_k = the class's mean answered latency in the fitted steps;
 *       host CPU: c_h = the host's cores, and demand D and background b from the least-squares line
 *       cores busy = b + D · X over the fitted steps (X answered req/s; the utilisation law U = X D
 *       plus what the machine keeps busy without requests), the background entering as b / D
 *       arrivals per second of the same demand, so the cores' utilisation is (b + X D) / c_h.
 *   <li>goodput(λ) = min(Σ_k min(λ s_k, c_k / S_k), (c_h − b) / D): a class sheds what its
 *       servers cannot take, and the cores bound all answers together. The predicted capacity is the
 *       lowest saturation, min(min_k c_k / (S_k s_k), (c_h − b) / D), and that station limits.
 *   <li>a class-k request takes T_k = R_k + W_h: R_k its class's M/M/c response (service and wait),
 *       W_h the wait for a core (0 with probability 1 − C_h, else exponential with rate c_h/D − λ_h;
 *       Erlang C). The CPU's service is not added again: the fitted latencies already hold the
 *       requests' CPU time; what grows as the cores fill is the wait for one. The predicted p95 is
 *       the 0.95-quantile of Σ_k s_k P(T_k > t), plus a constant δ (below).
 * </ul>
 *
 * <p>Approximations, and why. The cores are shared, not queued for: the scheduler is closer to
 * processor sharing. For exponential demands M/M/c under processor sharing has the same number in
 * the system as under first come first served, so the same mean delay (Little's law); the FCFS wait
 * is taken because it does not depend on a request's own demand, which the search cannot tell by
 * class (the host's CPU is not split by request), and its tail is lighter than processor sharing's
 * near saturation, so the p95 there is if anything understated. R_k and W_h are taken as
 * independent, as for the stations of a product-form (Jackson) network: exact for a tandem of
 * single-server FCFS queues, an approximation once flows merge at the cores or servers overtake one
 * another, and in small networks a close one; it makes T_k a mixture of sums of exponentials, whose
 * tail is exact ({@link QueueModel#phasesTail}). A request also holds its class's server while it
 * waits for a core; with the class stations far from busy that longer hold is left out. Latencies
 * are not exponential: the model's p95 at the fitted steps is off by however the real tail
 * differs, so δ = the mean of measured minus modelled p95 over the fitted steps (weighted by
 * answered requests) is added to every prediction, the way {@link WhatIf} keeps a fixed non-CPU
 * delay.
 *
 * <p>Hold-out: service times, the CPU line and δ come from the steps that met every objective at
 * up to half the highest rate that did (the fitted steps; at least the lowest two, but one always
 * held out); every other step is predicted and its error shown, and
 * {@link StepCheck#withinTolerance()} says whether it is inside ±{@value #TOLERANCE_PERCENT} %.
 * Nothing is fitted to the steps the model is judged on. A search without the host's CPU (a
 * capacity.json from before it was recorded) gets no CPU station, and the report says so.
 */
public record AdmissionQueueModel(
    List<ClassFit> classes,
    CpuStation cpu,
    int fittedSteps,
    String limitedBy,
    double predictedCapacityPerSecond,
    double measuredSustainablePerSecond,
    double capacityError,
    double p95OffsetMillis,
    List<StepCheck> steps) {

  public static final int TOLERANCE_PERCENT = 15;
  /**
   * The model is fitted on the steps that held at up to this share of the highest rate that held:
   * it predicts twice the load it saw. (The lower half of the steps, as before, was 10–77 req/s of a
   * search that held 939: the host's background noise hid the requests' CPU there, and there was no
   * CPU station at all.)
   */
  static final double FITTED_SHARE = 0.5;
  /** Servers of the read class: the lower end of the per-class Gradient2 band (16–48). */
  public static final int DEFAULT_READ_SERVERS = 16;
  /** Servers of the write class: the shared database pool (weltgewebe.db.pool-size). */
  public static final int DEFAULT_WRITE_SERVERS = 10;
  static final String TITLE = "What-if against the capacity search (stations)";

  /** One request class: its share of the offered requests, service time (fitted) and servers. */
  public record ClassFit(String name, double share, double serviceMillis, int servers) {
    /** Requests per second the class's servers complete when always busy, per offered request of the mix: c μ / share. */
    double saturationPerSecond() {
      return share > 0 ? servers * 1000 / serviceMillis / share : Double.POSITIVE_INFINITY;
    }

    QueueModel at(double offeredPerSecond) {
      return new QueueModel(offeredPerSecond * share, 1000 / serviceMillis, servers);
    }

    String station() {
      return name + (name.equals("reads") ? " on the admission limit" : " on the database pool");
    }
  }

  /** The host's cores as a station every request waits at, or why the model has none. */
  public sealed interface CpuStation permits CpuFit, NoCpuStation {}

  /**
   * The host's cores: {@code cores} servers, {@code demandMillis} of busy CPU per answered request
   * and {@code backgroundCores} busy without requests (the fitted line's slope and intercept).
   */
  public record CpuFit(int cores, double demandMillis, double backgroundCores) implements CpuStation {
    /** Answered requests per second at which every core is busy: (c − b) / D. */
    public double saturationPerSecond() {
      return (cores - backgroundCores) * 1000 / demandMillis;
    }

    /** Cores busy at {@code answeredPerSecond}, at most all of them. */
    double busyCores(double answeredPerSecond) {
      return Math.min(cores, backgroundCores + answeredPerSecond * demandMillis / 1000);
    }

    /** The station at {@code answeredPerSecond}: the background counted as b / D arrivals of the same demand. */
    QueueModel at(double answeredPerSecond) {
      double demandSeconds = demandMillis / 1000;
      return new QueueModel(answeredPerSecond + backgroundCores / demandSeconds, 1 / demandSeconds, cores);
    }
  }

  /** No CPU station, and why: the model then has only the class stations. */
  public record NoCpuStation(String reason) implements CpuStation {}

  /**
   * One step: predicted and measured goodput (the capacity the step showed), p95 of the answered
   * requests and host cores busy, with relative errors ((predicted − measured) / measured) of goodput
   * and p95; {@code fitted} marks a step that calibrated the model (its error is not a test of it).
   * Host cores are NaN where not measured or without a CPU station.
   */
  public record StepCheck(
      double offeredPerSecond, boolean fitted, double predictedGoodputPerSecond, double measuredGoodputPerSecond, double errorGoodput,
      double predictedP95Millis, double measuredP95Millis, double errorP95, double predictedHostBusyCores, double measuredHostBusyCores) {
    /** Whether both errors are within ±15 %; a saturated prediction (infinite p95) is not. */
    public boolean withinTolerance() {
      return Math.abs(errorGoodput) <= TOLERANCE_PERCENT / 100.0 && Math.abs(errorP95) <= TOLERANCE_PERCENT / 100.0;
    }
  }

  /** The model with the default servers (read admission limit 16, database pool 10). */
  public static Optional<AdmissionQueueModel> of(CapacityReport capacity) {
    return of(capacity, DEFAULT_READ_SERVERS, DEFAULT_WRITE_SERVERS);
  }

  /**
   * The model of {@code capacity}; empty when fewer than two steps met every objective (one to fit,
   * one to predict), when the steps carry no routes, or a class has no answered request in the fitted steps.
   */
  public static Optional<AdmissionQueueModel> of(CapacityReport capacity, int readServers, int writeServers) {
    List<CapacityReport.Step> met = capacity.steps().stream().filter(CapacityReport.Step::met)
        .sorted((a, b) -> Double.compare(a.offeredPerSecond(), b.offeredPerSecond())).toList();
    if (met.size() < 2) {
      return Optional.empty();
    }
    List<CapacityReport.Step> fitted = fitted(met);
    Map<String, double[]> sums = new LinkedHashMap<>(); // class -> {offered requests (all steps), answered (fitted), latency sum (fitted)}
    sums.put("reads", new double[3]);
    sums.put("writes", new double[3]);
    for (CapacityReport.Step step : capacity.steps()) {
      boolean fit = fitted.contains(step);
      for (CapacityReport.RouteStep r : step.routes()) {
        double[] s = sums.get(classOf(r.method()));
        s[0] += r.requests();
        if (fit && r.ok() > 0 && Double.isFinite(r.latency().meanMillis())) {
          s[1] += r.ok();
          s[2] += r.ok() * r.latency().meanMillis();
        }
      }
    }
    double all = sums.values().stream().mapToDouble(s -> s[0]).sum();
    List<ClassFit> classes = new ArrayList<>();
    for (Map.Entry<String, double[]> e : sums.entrySet()) {
      double[] s = e.getValue();
      if (s[0] == 0) {
        continue;
      }
      if (s[1] == 0 || !(s[2] > 0)) {
        return Optional.empty();
      }
      classes.add(new ClassFit(e.getKey(), s[0] / all, s[2] / s[1], e.getKey().equals("reads") ? readServers : writeServers));
    }
    if (classes.isEmpty()) {
      return Optional.empty();
    }
    CpuStation cpu = fitCpu(capacity.steps(), fitted);

    String limitedBy = "nothing (no class and no CPU station)";
    double capacityPerSecond = Double.POSITIVE_INFINITY;
    for (ClassFit k : classes) {
      if (k.saturationPerSecond() < capacityPerSecond) {
        capacityPerSecond = k.saturationPerSecond();
        limitedBy = k.station() + String.format(Locale.ROOT, " (%d servers)", k.servers());
      }
    }
    if (cpu instanceof CpuFit f && f.saturationPerSecond() < capacityPerSecond) {
      capacityPerSecond = f.saturationPerSecond();
      limitedBy = String.format(Locale.ROOT, "the host's CPU (%d cores)", f.cores());
    }

    double offsetWeight = 0;
    double offsetSum = 0;
    for (CapacityReport.Step step : fitted) {
      double model = p95Millis(classes, cpu, step.offeredPerSecond());
      if (Double.isFinite(model) && step.latency().p95Millis() > 0 && step.ok() > 0) {
        offsetWeight += step.ok();
        offsetSum += step.ok() * (step.latency().p95Millis() - model);
      }
    }
    double offset = offsetWeight > 0 ? offsetSum / offsetWeight : 0;

    List<StepCheck> checks = new ArrayList<>();
    for (CapacityReport.Step step : capacity.steps()) {
      double p95 = Math.max(0, p95Millis(classes, cpu, step.offeredPerSecond()) + offset);
      double goodput = goodput(classes, cpu, step.offeredPerSecond());
      double busyPredicted = cpu instanceof CpuFit f ? f.busyCores(goodput) : Double.NaN;
      double busyMeasured = step.hostCores() > 0 && step.wallSeconds() > 0 ? step.hostCpuSeconds() / step.wallSeconds() : Double.NaN;
      checks.add(new StepCheck(step.offeredPerSecond(), fitted.contains(step), goodput, step.goodputPerSecond(),
          WhatIf.relativeError(goodput, step.goodputPerSecond()), p95, step.latency().p95Millis(),
          WhatIf.relativeError(p95, step.latency().p95Millis()), busyPredicted, busyMeasured));
    }
    double sustainable = capacity.sustainablePerSecond();
    return Optional.of(new AdmissionQueueModel(List.copyOf(classes), cpu, fitted.size(), limitedBy, capacityPerSecond, sustainable,
        WhatIf.relativeError(capacityPerSecond, sustainable), offset, List.copyOf(checks)));
  }

  /**
   * The steps the model is fitted on: those that met every objective at up to half the highest rate
   * that did ({@link #FITTED_SHARE}); when fewer than two are, the lowest two, but never all of
   * them (one is left to predict).
   */
  static List<CapacityReport.Step> fitted(List<CapacityReport.Step> metByRate) {
    double highest = metByRate.get(metByRate.size() - 1).offeredPerSecond();
    List<CapacityReport.Step> low = metByRate.stream().filter(s -> s.offeredPerSecond() <= FITTED_SHARE * highest * (1 + 1e-9)).toList();
    return low.size() >= 2 ? low : metByRate.subList(0, Math.min(2, metByRate.size() - 1));
  }

  /** GET is a read; every other method writes through the journal. */
  static String classOf(String method) {
    return "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method) ? "reads" : "writes";
  }

  /**
   * The host's CPU station from the fitted steps: least squares of cores busy (host busy seconds
   * over the step's wall time) on answered requests per second. A negative intercept is refitted
   * through the origin (the least-squares line with b ≥ 0); no station when the search did not
   * measure the host, when fewer than two fitted steps did, or when the line does not rise.
   */
  static CpuStation fitCpu(List<CapacityReport.Step> all, List<CapacityReport.Step> fitted) {
    if (all.stream().noneMatch(s -> s.hostCores() > 0)) {
      return new NoCpuStation("the search did not record the host's CPU (a capacity.json from before steps carried it, "
          + "or /proc/stat was not readable): no CPU station, so nothing models the cores the node shares with PostgreSQL, NATS and the generator");
    }
    List<CapacityReport.Step> measured = fitted.stream()
        .filter(s -> s.hostCores() > 0 && s.hostCpuSeconds() > 0 && s.wallSeconds() > 0 && s.achievedPerSecond() > 0).toList();
    if (measured.size() < 2) {
      return new NoCpuStation(String.format(Locale.ROOT,
          "%d of the %d fitted steps measured the host's CPU; two are needed to tell the requests' demand from the background: no CPU station",
          measured.size(), fitted.size()));
    }
    int cores = measured.get(0).hostCores();
    double n = measured.size();
    double meanX = measured.stream().mapToDouble(CapacityReport.Step::achievedPerSecond).sum() / n;
    double meanY = measured.stream().mapToDouble(s -> s.hostCpuSeconds() / s.wallSeconds()).sum() / n;
    double sxy = 0;
    double sxx = 0;
    double sxyOrigin = 0;
    double sxxOrigin = 0;
    for (CapacityReport.Step s : measured) {
      double x = s.achievedPerSecond();
      double y = s.hostCpuSeconds() / s.wallSeconds();
      sxy += (x - meanX) * (y - meanY);
      sxx += (x - meanX) * (x - meanX);
      sxyOrigin += x * y;
      sxxOrigin += x * x;
    }
    double slope = sxx > 0 ? sxy / sxx : 0;
    double intercept = meanY - slope * meanX;
    if (intercept < 0) {
      slope = sxyOrigin / sxxOrigin;
      intercept = 0;
    }
    if (!(slope > 0)) {
      return new NoCpuStation(String.format(Locale.ROOT,
          "the host's busy cores did not rise with the answered rate over the %d fitted steps (%.1f–%.1f req/s): "
              + "the background's noise is larger than the requests' demand there, so no CPU station",
          measured.size(), measured.get(0).achievedPerSecond(), measured.get(measured.size() - 1).achievedPerSecond()));
    }
    if (intercept >= cores) {
      return new NoCpuStation(String.format(Locale.ROOT, "the background alone kept %.2f of %d cores busy: no CPU station", intercept, cores));
    }
    return new CpuFit(cores, slope * 1000, intercept);
  }

  /** Requests answered OK per second at {@code offered}: each class serves at most c μ, the rest is shed; the cores bound the sum. */
  static double goodput(List<ClassFit> classes, CpuStation cpu, double offered) {
    double sum = 0;
    for (ClassFit k : classes) {
      sum += Math.min(offered * k.share(), k.servers() * 1000 / k.serviceMillis());
    }
    return cpu instanceof CpuFit f ? Math.min(sum, f.saturationPerSecond()) : sum;
  }

  /**
   * The model's p95 of all answered requests at {@code offered}, before the offset δ: the
   * 0.95-quantile of the classes' response times (their M/M/c response plus the wait for a core)
   * mixed by their shares; infinite when a station is saturated (its answered requests would wait
   * without bound but for the shedder, which the model does not describe).
   */
  static double p95Millis(List<ClassFit> classes, CpuStation cpu, double offered) {
    List<QueueModel> queues = new ArrayList<>();
    for (ClassFit k : classes) {
      QueueModel q = k.at(offered);
      if (!q.stable()) {
        return Double.POSITIVE_INFINITY;
      }
      queues.add(q);
    }
    double hostWaits = 0;
    double hostRate = 1;
    if (cpu instanceof CpuFit f) {
      QueueModel host = f.at(offered);
      if (!host.stable()) {
        return Double.POSITIVE_INFINITY;
      }
      hostWaits = host.probabilityOfWaiting();
      hostRate = host.waitingRatePerSecond();
    }
    double waits = hostWaits;
    double rate = hostRate;
    DoubleUnaryOperator tail = t -> {
      double sum = 0;
      double weights = 0;
      for (int i = 0; i < queues.size(); i++) {
        double share = classes.get(i).share();
        sum += share * responseTail(queues.get(i), waits, rate, t);
        weights += share;
      }
      return sum / weights;
    };
    return quantileSeconds(tail, 0.95) * 1000;
  }

  /**
   * P(R + W_h > t): R the class's M/M/c response (service, then its wait with probability C), W_h
   * the wait for a core (with probability {@code hostWaits}, at rate {@code hostRate}), independent.
   */
  private static double responseTail(QueueModel q, double hostWaits, double hostRate, double t) {
    double alone = q.responseTimeTail(t);
    if (hostWaits <= 0) {
      return alone;
    }
    double mu = q.servicePerSecond();
    double classWaits = q.probabilityOfWaiting();
    double withHost = (1 - classWaits) * QueueModel.phasesTail(t, mu, hostRate);
    if (classWaits > 0) {
      withHost += classWaits * QueueModel.phasesTail(t, mu, q.waitingRatePerSecond(), hostRate);
    }
    return (1 - hostWaits) * alone + hostWaits * withHost;
  }

  /** The q-quantile of a response time given its tail P(T > t), in seconds, by bisection. */
  private static double quantileSeconds(DoubleUnaryOperator tail, double q) {
    double target = 1 - q;
    double lo = 0;
    double hi = 0.001;
    while (tail.applyAsDouble(hi) > target) {
      hi *= 2;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
      double mid = (lo + hi) / 2;
      if (tail.applyAsDouble(mid) > target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }

  /** The model's stations, capacity and per-step table in Markdown, without a heading (the capacity search prints its own). */
  public String markdown() {
    return SectionText.markdown(blocks());
  }

  /** The run report's section (Markdown) comparing the model with the capacity search. */
  String markdownSection() {
    return SectionText.markdown(TITLE, blocks());
  }

  /** The run report's section (HTML) comparing the model with the capacity search. */
  String htmlSection() {
    return SectionText.html("<section id=\"capacity-model\">", TITLE, blocks(), "");
  }

  private List<Block> blocks() {
    List<Block> blocks = new ArrayList<>();
    blocks.add(new Paragraph(String.format(Locale.ROOT,
        "Stations, each an M/M/c queue: reads on their admission limit, writes on the database pool, and every request waiting "
            + "for one of the host's cores. Fitted on the steps that met every objective at up to half the highest rate that did "
            + "(%d steps); every other step is held out and predicted.", fittedSteps)));
    List<List<String>> stations = new ArrayList<>();
    for (ClassFit k : classes) {
      stations.add(List.of(k.station(), k.servers() + " servers", String.format(Locale.ROOT,
          "%.2f ms (mean answered latency), %.1f %% of requests", k.serviceMillis(), 100 * k.share()),
          ReportNumbers.num(k.saturationPerSecond(), 1), limits(k.saturationPerSecond())));
    }
    if (cpu instanceof CpuFit f) {
      stations.add(List.of("the host's CPU", f.cores() + " cores", String.format(Locale.ROOT,
          "%.2f ms busy CPU per answered request, %.2f cores busy without requests", f.demandMillis(), f.backgroundCores()),
          ReportNumbers.num(f.saturationPerSecond(), 1), limits(f.saturationPerSecond())));
    }
    blocks.add(new Table(List.of("station", "servers", "service", "saturates at req/s", "limits?"), stations));
    if (cpu instanceof NoCpuStation none) {
      blocks.add(new Paragraph("Host CPU: " + none.reason() + "."));
    }
    blocks.add(new Paragraph(String.format(Locale.ROOT,
        "Predicted capacity %s req/s: the lowest saturation, limited by %s. The search sustained %s req/s: error %s "
            + "(a station saturates where its queue grows without bound; the sustainable rate is where every objective still "
            + "held, below that). Predicted p95 = the model's + δ, δ = %+.1f ms: the mean gap between measured and modelled p95 "
            + "over the fitted steps.",
        ReportNumbers.num(predictedCapacityPerSecond, 1), limitedBy, ReportNumbers.num(measuredSustainablePerSecond, 1),
        percent(capacityError), p95OffsetMillis)));
    List<List<String>> rows = new ArrayList<>();
    long outside = 0;
    long heldOut = 0;
    for (StepCheck s : steps) {
      if (!s.fitted()) {
        heldOut++;
        if (!s.withinTolerance()) {
          outside++;
        }
      }
      rows.add(List.of(ReportNumbers.num(s.offeredPerSecond(), 1), s.fitted() ? "fit" : "held out",
          ReportNumbers.num(s.predictedGoodputPerSecond(), 1), ReportNumbers.num(s.measuredGoodputPerSecond(), 1), percent(s.errorGoodput()),
          Double.isFinite(s.predictedP95Millis()) ? ReportNumbers.num(s.predictedP95Millis(), 1) : "saturated",
          ReportNumbers.num(s.measuredP95Millis(), 1), percent(s.errorP95()),
          cores(s.predictedHostBusyCores()), cores(s.measuredHostBusyCores()), s.withinTolerance() ? "yes" : "NO"));
    }
    blocks.add(new Table(List.of("offered req/s", "fit/held out", "goodput predicted", "measured", "error", "p95 predicted ms", "measured ms",
        "error", "host cores busy predicted", "measured", "within ±15 %?"), rows));
    blocks.add(new Paragraph(String.format(Locale.ROOT, "%s: %d of %d held-out steps outside ±%d %% (goodput or p95).",
        outside == 0 ? "Within tolerance" : "OUTSIDE tolerance", outside, heldOut, TOLERANCE_PERCENT)));
    return blocks;
  }

  /** "limits" for the station whose saturation is the predicted capacity (the same number, computed the same way). */
  private String limits(double saturationPerSecond) {
    return saturationPerSecond == predictedCapacityPerSecond ? "limits" : "";
  }

  private static String percent(double error) {
    return Double.isFinite(error) ? String.format(Locale.ROOT, "%+.0f %%", 100 * error) : "n/a";
  }

  private static String cores(double busy) {
    return Double.isFinite(busy) ? String.format(Locale.ROOT, "%.2f", busy) : "–";
  }
}

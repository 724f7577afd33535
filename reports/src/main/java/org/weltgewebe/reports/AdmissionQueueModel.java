package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The what-if model of a capacity search, built on what limits the node rather than on its CPU
 * (issue 14: the CPU-only M/M/c predicted 1,274 req/s where the search found 289, with p95 errors of
 * −36 % to −91 %). Each request class waits for its own servers: reads for their admission limit
 * (Gradient2's band starts at 16, {@code weltgewebe.http.shedding}), writes for the database pool
 * the journal's batches and the read models share ({@code weltgewebe.db.pool-size}, 10). Each class
 * is an M/M/c queue ({@link QueueModel}) with c those servers and the service time the class's mean
 * answered latency in the search's own lowest steps; what a class cannot serve is shed, so its
 * goodput is at most c μ.
 *
 * <p>Hold-out: the service times come from the lower half of the steps that met every objective
 * (the fitted steps), and every other step is predicted; the error of each step is shown, and
 * {@link StepCheck#withinTolerance()} says whether it is inside ±{@value #TOLERANCE_PERCENT} %.
 * Nothing is fitted to the steps the model is judged on.
 */
public record AdmissionQueueModel(
    List<ClassFit> classes,
    int fittedSteps,
    double predictedCapacityPerSecond,
    double measuredSustainablePerSecond,
    double capacityError,
    List<StepCheck> steps) {

  public static final int TOLERANCE_PERCENT = 15;
  /** Servers of the read class: the lower end of the per-class Gradient2 band (16–48). */
  public static final int DEFAULT_READ_SERVERS = 16;
  /** Servers of the write class: the shared database pool (weltgewebe.db.pool-size). */
  public static final int DEFAULT_WRITE_SERVERS = 10;

  /** One request class: its share of the offered requests, service time (fitted) and servers. */
  public record ClassFit(String name, double share, double serviceMillis, int servers) {
    /** Requests per second the class's servers complete when always busy, per offered request of the mix: c μ / share. */
    double saturationPerSecond() {
      return share > 0 ? servers * 1000 / serviceMillis / share : Double.POSITIVE_INFINITY;
    }
  }

  /**
   * One step: predicted and measured goodput (the capacity the step showed) and p95 of the answered
   * requests, with relative errors ((predicted − measured) / measured); {@code fitted} marks a step
   * whose latencies calibrated the model (its error is not a test of it).
   */
  public record StepCheck(
      double offeredPerSecond, boolean fitted, double predictedGoodputPerSecond, double measuredGoodputPerSecond, double errorGoodput,
      double predictedP95Millis, double measuredP95Millis, double errorP95) {
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
   * one to predict) or a class has no answered request in the fitted steps.
   */
  public static Optional<AdmissionQueueModel> of(CapacityReport capacity, int readServers, int writeServers) {
    List<CapacityReport.Step> met = capacity.steps().stream().filter(CapacityReport.Step::met)
        .sorted((a, b) -> Double.compare(a.offeredPerSecond(), b.offeredPerSecond())).toList();
    if (met.size() < 2) {
      return Optional.empty();
    }
    List<CapacityReport.Step> fitted = met.subList(0, met.size() / 2);
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
    double capacityPerSecond = classes.stream().mapToDouble(ClassFit::saturationPerSecond).min().orElse(Double.POSITIVE_INFINITY);
    List<StepCheck> checks = new ArrayList<>();
    for (CapacityReport.Step step : capacity.steps()) {
      double p95 = p95Millis(classes, step.offeredPerSecond());
      double goodput = goodput(classes, step.offeredPerSecond());
      checks.add(new StepCheck(step.offeredPerSecond(), fitted.contains(step), goodput, step.goodputPerSecond(),
          WhatIf.relativeError(goodput, step.goodputPerSecond()), p95, step.latency().p95Millis(),
          WhatIf.relativeError(p95, step.latency().p95Millis())));
    }
    double sustainable = capacity.sustainablePerSecond();
    return Optional.of(new AdmissionQueueModel(List.copyOf(classes), fitted.size(), capacityPerSecond, sustainable,
        WhatIf.relativeError(capacityPerSecond, sustainable), List.copyOf(checks)));
  }

  /** GET is a read; every other method writes through the journal. */
  static String classOf(String method) {
    return "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method) ? "reads" : "writes";
  }

  /** Requests answered OK per second at {@code offered}: each class serves at most c μ, the rest is shed. */
  static double goodput(List<ClassFit> classes, double offered) {
    double sum = 0;
    for (ClassFit k : classes) {
      sum += Math.min(offered * k.share(), k.servers() * 1000 / k.serviceMillis());
    }
    return sum;
  }

  /**
   * The p95 of all answered requests at {@code offered}: the 0.95-quantile of the classes' M/M/c
   * response times mixed by their answered shares; infinite when a class is saturated (its answered
   * requests would wait without bound but for the shedder, which the model does not describe).
   */
  static double p95Millis(List<ClassFit> classes, double offered) {
    List<QueueModel> queues = new ArrayList<>();
    double[] weights = new double[classes.size()];
    for (int i = 0; i < classes.size(); i++) {
      ClassFit k = classes.get(i);
      QueueModel q = new QueueModel(offered * k.share(), 1000 / k.serviceMillis(), k.servers());
      if (!q.stable()) {
        return Double.POSITIVE_INFINITY;
      }
      queues.add(q);
      weights[i] = k.share();
    }
    double target = 0.05;
    double lo = 0;
    double hi = 0.001;
    while (tail(queues, weights, hi) > target) {
      hi *= 2;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
      double mid = (lo + hi) / 2;
      if (tail(queues, weights, mid) > target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2 * 1000;
  }

  private static double tail(List<QueueModel> queues, double[] weights, double t) {
    double sum = 0;
    double w = 0;
    for (int i = 0; i < queues.size(); i++) {
      sum += weights[i] * queues.get(i).responseTimeTail(t);
      w += weights[i];
    }
    return sum / w;
  }

  /** The per-step table in Markdown, with a plain line on how many held-out steps fall outside ±15 %. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    for (ClassFit k : classes) {
      md.append(String.format("- %s: %.1f %% of requests, service %.2f ms (mean answered latency of the %d fitted steps), %d servers%n",
          k.name(), 100 * k.share(), k.serviceMillis(), fittedSteps, k.servers()));
    }
    md.append(String.format("- predicted capacity (first class to saturate) %.1f req/s; the search sustained %.1f req/s: error %s%n%n",
        predictedCapacityPerSecond, measuredSustainablePerSecond, percent(capacityError)));
    md.append("| offered req/s | fit/held out | goodput predicted | measured | error | p95 predicted ms | measured ms | error | within ±15 %? |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    long outside = 0;
    long heldOut = 0;
    for (StepCheck s : steps) {
      if (!s.fitted()) {
        heldOut++;
        if (!s.withinTolerance()) {
          outside++;
        }
      }
      md.append(String.format("| %.1f | %s | %.1f | %.1f | %s | %s | %.1f | %s | %s |%n", s.offeredPerSecond(), s.fitted() ? "fit" : "held out",
          s.predictedGoodputPerSecond(), s.measuredGoodputPerSecond(), percent(s.errorGoodput()),
          Double.isFinite(s.predictedP95Millis()) ? String.format("%.1f", s.predictedP95Millis()) : "saturated",
          s.measuredP95Millis(), percent(s.errorP95()), s.withinTolerance() ? "yes" : "**no**"));
    }
    md.append(String.format("%n%s: %d of %d held-out steps outside ±%d %% (goodput or p95).%n",
        outside == 0 ? "Within tolerance" : "OUTSIDE tolerance", outside, heldOut, TOLERANCE_PERCENT));
    return md.toString();
  }

  private static String percent(double error) {
    return Double.isFinite(error) ? String.format("%+.0f %%", 100 * error) : "n/a";
  }
}

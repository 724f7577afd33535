package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Predicts latency and cost at other loads and node counts from one run, with an M/M/c queue
 * ({@link QueueModel}) per deployment: the servers are all nodes' cores, the service time is the
 * main phase's CPU seconds per request (every route together: the process's CPU is not split by
 * route), and the arrival rate is the offered request rate.
 *
 * <p>A request waits for more than CPU (network, the database, the journal's commit), which the
 * queue does not see; so the model is calibrated once against the run itself: the difference
 * between the run's measured percentile and the model's at the run's own rate is kept as a fixed
 * non-CPU delay and added to every prediction (never negative). When a capacity search exists, its
 * steps show how far the prediction is from what was measured; without one, the run's own probe
 * (its sustainable rate) is the check on the predicted capacity c μ. {@code loadedCapacityPerSecond}
 * is the capacity at the overload phase's CPU per request, for comparison (NaN without per-phase CPU).
 */
public record WhatIf(
    double serviceSecondsPerRequest,
    int coresPerNode,
    int runNodes,
    double runRatePerSecond,
    double runCpuUtilisation,
    double measuredP95Millis,
    double measuredP99Millis,
    double offsetP95Millis,
    double offsetP99Millis,
    double predictedCapacityPerSecond,
    double loadedCapacityPerSecond,
    double measuredSustainablePerSecond,
    List<Prediction> predictions,
    List<RoutePrediction> routes,
    List<CapacityCheck> capacity,
    List<String> assumptions) {

  /** Predicted latency at {@code ratePerSecond} on {@code nodes} nodes, with what those nodes cost per provider. */
  public record Prediction(
      int nodes, int cores, double ratePerSecond, double utilisation, double p95Millis, double p99Millis, List<NodeCost> cost) {}

  /** Nodes' monthly price at one provider (instances with the run's cores per node; database not included). */
  public record NodeCost(String providerId, String instance, double eurPerMonth) {}

  /** One route's measured p95 at the run's rate and predicted at twice and five times that rate on the run's nodes. */
  public record RoutePrediction(String method, String route, double shareOfRequests, double measuredP95Millis, double p95AtDoubleMillis, double p95AtFiveTimesMillis) {}

  /**
   * One capacity step: offered rate, predicted and measured percentiles, relative errors ((predicted
   * − measured) / measured), and the CPU per request the step itself measured (NaN when the search
   * did not measure CPU), which shows how far the model's service time is from the step's.
   */
  public record CapacityCheck(
      double offeredPerSecond, double utilisation, double predictedP95Millis, double measuredP95Millis, double errorP95,
      double predictedP99Millis, double measuredP99Millis, double errorP99, double measuredCpuMillisPerRequest) {}

  static final double[] UTILISATIONS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95};

  /** The what-if model of {@code report}, checked against {@code capacity} when one is given; empty when CPU was not measured. */
  public static Optional<WhatIf> of(RunReport report, Optional<CapacityReport> capacity, Prices prices) {
    RunUsage usage = RunUsage.of(report);
    double s = usage.cpuSecondsPerRequest();
    if (!(s > 0) || !Double.isFinite(s) || usage.mainSeconds() <= 0) {
      return Optional.empty();
    }
    double mu = 1 / s;
    int cores = usage.coresPerNode();
    int nodes = usage.nodes();
    double runRate = usage.mainRequests() / usage.mainSeconds();
    double[] measured = measuredAllRoutes(report);
    QueueModel atRun = new QueueModel(runRate, mu, cores * nodes);
    double off95 = Math.max(0, measured[0] - millis(atRun.responseTimeQuantileSeconds(0.95)));
    double off99 = Math.max(0, measured[1] - millis(atRun.responseTimeQuantileSeconds(0.99)));

    List<Prediction> predictions = new ArrayList<>();
    for (int n : nodeCounts(nodes)) {
      List<NodeCost> cost = nodeCost(prices, cores, n);
      for (double u : UTILISATIONS) {
        double rate = u * n * cores * mu;
        QueueModel m = new QueueModel(rate, mu, n * cores);
        predictions.add(new Prediction(n, n * cores, rate, u,
            millis(m.responseTimeQuantileSeconds(0.95)) + off95, millis(m.responseTimeQuantileSeconds(0.99)) + off99, cost));
      }
    }

    QueueModel twice = new QueueModel(2 * runRate, mu, cores * nodes);
    QueueModel five = new QueueModel(5 * runRate, mu, cores * nodes);
    double base95 = millis(atRun.responseTimeQuantileSeconds(0.95));
    List<RoutePrediction> routes = new ArrayList<>();
    for (RunReport.RouteResult r : report.routes()) {
      double share = usage.mainRequests() > 0 ? (double) r.requests() / usage.mainRequests() : 0;
      routes.add(new RoutePrediction(r.method(), r.route(), share, r.latency().p95Millis(),
          r.latency().p95Millis() + millis(twice.responseTimeQuantileSeconds(0.95)) - base95,
          r.latency().p95Millis() + millis(five.responseTimeQuantileSeconds(0.95)) - base95));
    }

    List<CapacityCheck> checks = new ArrayList<>();
    capacity.ifPresent(c -> {
      int servers = Math.max(1, c.nodes()) * Math.max(1, c.coresPerNode() > 0 ? c.coresPerNode() : cores);
      for (CapacityReport.Step step : c.steps()) {
        QueueModel m = new QueueModel(step.offeredPerSecond(), mu, servers);
        double p95 = millis(m.responseTimeQuantileSeconds(0.95)) + off95;
        double p99 = millis(m.responseTimeQuantileSeconds(0.99)) + off99;
        checks.add(new CapacityCheck(step.offeredPerSecond(), m.utilisation(), p95, step.latency().p95Millis(),
            relativeError(p95, step.latency().p95Millis()), p99, step.latency().p99Millis(), relativeError(p99, step.latency().p99Millis()),
            step.cpuSeconds() > 0 && step.requests() > 0 ? 1000 * step.cpuSeconds() / step.requests() : Double.NaN));
      }
    });

    List<String> assumptions = List.of(
        "M/M/c: Poisson arrivals, exponential service times, FCFS, one queue for all cores of all nodes (perfect load balance).",
        String.format("Service time = main phase's CPU seconds per request over all routes: %.2f ms (%s).", s * 1000, usage.cpuBasis()),
        String.format("Servers = %d node(s) × %d cores; the run's generator shared the host's cores, so the run's own utilisation is an upper bound.", nodes, cores),
        String.format("Calibrated at the run's rate %.1f req/s: a fixed non-CPU delay of %.1f ms (p95) and %.1f ms (p99) is added to every prediction.",
            runRate, off95, off99),
        "Measured percentiles over all routes are the request-weighted mean of the main phase's 10-second windows.");
    double loaded = usage.loadedCpuSecondsPerRequest();
    return Optional.of(new WhatIf(s, cores, nodes, runRate, atRun.utilisation(), measured[0], measured[1], off95, off99,
        cores * nodes * mu, loaded > 0 ? cores * nodes / loaded : Double.NaN, report.overload().sustainablePerSecond(),
        List.copyOf(predictions), List.copyOf(routes), List.copyOf(checks), assumptions));
  }

  static double relativeError(double predicted, double measured) {
    if (!Double.isFinite(predicted) || !(measured > 0)) {
      return Double.NaN;
    }
    return (predicted - measured) / measured;
  }

  private static List<Integer> nodeCounts(int runNodes) {
    List<Integer> counts = new ArrayList<>();
    for (int n : new int[] {runNodes, 2 * runNodes, 4 * runNodes}) {
      if (!counts.contains(n)) {
        counts.add(n);
      }
    }
    return counts;
  }

  private static List<NodeCost> nodeCost(Prices prices, int cores, int nodes) {
    List<NodeCost> list = new ArrayList<>();
    for (Prices.Provider p : prices.providers()) {
      p.instances().stream()
          .filter(i -> i.vcpu() == cores)
          .min((a, b) -> a.dedicated() != b.dedicated() ? (a.dedicated() ? -1 : 1) : Double.compare(a.eurPerMonth(), b.eurPerMonth()))
          .ifPresent(i -> list.add(new NodeCost(p.id(), i.name(), nodes * i.eurPerMonth())));
    }
    return List.copyOf(list);
  }

  /** The main phase's p95 and p99 over all routes: request-weighted mean of its all-routes windows. */
  static double[] measuredAllRoutes(RunReport report) {
    double w = 0;
    double p95 = 0;
    double p99 = 0;
    for (RunReport.Window win : report.timeline()) {
      if (win.phase().equals("main") && win.route().equals("*") && win.requests() > 0
          && Double.isFinite(win.p95Millis()) && Double.isFinite(win.p99Millis())) {
        w += win.requests();
        p95 += win.requests() * win.p95Millis();
        p99 += win.requests() * win.p99Millis();
      }
    }
    return w > 0 ? new double[] {p95 / w, p99 / w} : new double[] {0, 0};
  }

  static double millis(double seconds) {
    return seconds * 1000;
  }
}

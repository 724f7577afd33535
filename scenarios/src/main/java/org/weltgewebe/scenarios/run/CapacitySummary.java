package org.weltgewebe.scenarios.run;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.weltgewebe.reports.AdmissionQueueModel;
import org.weltgewebe.reports.CapacityLimit;
import org.weltgewebe.reports.CapacityReport;

/** What a capacity search prints: a line per step as it ends, then the table and the answer. */
final class CapacitySummary {
  private static final String HEADER = String.format("%4s %9s %9s %9s %9s %9s %7s %8s %7s %9s  %s",
      "step", "offered/s", "achieved", "goodput", "p95 ms", "p99 ms", "shed %", "CPU s", "CPU ms/r", "host busy", "met?");

  private CapacitySummary() {}

  static void printStep(int number, CapacityReport.Step step, PrintStream out) {
    out.println(row(number, step));
    for (String failure : step.failures()) {
      out.println("       broke: " + failure);
    }
  }

  static void print(CapacityReport report, Path file, PrintStream out) {
    out.println();
    out.println(HEADER);
    int n = 0;
    for (CapacityReport.Step step : report.steps()) {
      out.println(row(++n, step));
    }
    out.println();
    out.println("host: " + report.host());
    if (!report.warmup().isEmpty()) {
      out.println("warm-up held: " + warmUp(report.warmup()));
    }
    out.println("stop rule: " + report.stopRule());
    out.println("what ended it: " + report.limitedBy());
    if (report.sustainablePerSecond() > 0) {
      out.printf("sustainable: %.1f req/s of %s's API mix = %.1f req/s per node (%d node%s, %s)%n",
          report.sustainablePerSecond(), report.scenarioId(), report.sustainablePerSecondPerNode(), report.nodes(),
          report.nodes() == 1 ? "" : "s", report.coresPerNode() > 0 ? report.coresPerNode() + " cores each" : "cores unknown");
    } else {
      out.printf("sustainable: none — not even %.1f req/s met every objective; try a lower --start%n",
          report.steps().get(0).offeredPerSecond());
    }
    out.println("knee: " + (report.kneePerSecond() > 0 ? String.format("%.1f req/s — ", report.kneePerSecond()) : "") + report.kneeMethod());
    if (report.cpuMillisPerRequest() > 0) {
      out.printf("CPU per request (steps that met): %.2f ms of the platform's CPU in all, %s marginal — the what-if model's service time%n",
          report.cpuMillisPerRequest(),
          report.marginalCpuMillisPerRequest() > 0 ? String.format("%.2f ms", report.marginalCpuMillisPerRequest()) : "unknown");
    } else if (report.steps().stream().allMatch(s -> s.cpuSeconds() == 0)) {
      out.println("CPU per request: not measured (the platform is remote)");
    } else {
      out.println("CPU per request: no step met every objective (the table has each step's)");
    }
    if (report.generatorCeilingPerSecond() > 0 && report.steps().stream()
        .anyMatch(s -> s.offeredPerSecond() >= 0.5 * report.generatorCeilingPerSecond())) {
      out.printf("note: steps reached half the generator's ceiling (%.0f req/s): the limit may be the generator's%n",
          report.generatorCeilingPerSecond());
    }
    if (!report.nodesNeeded().isEmpty()) {
      out.printf("nodes needed at the peak hour, %.0f %% target utilisation, %.1f req/s per node:%n",
          report.targetUtilisation() * 100, report.sustainablePerSecondPerNode());
      out.printf("  %-4s %12s %12s %8s %6s  %s%n", "", "API req/s", "tiles/s", "exact", "nodes", "");
      for (CapacityReport.ScenarioNeed need : report.nodesNeeded()) {
        out.printf("  %-4s %12.2f %12.2f %8.3f %6d  %s%n", need.scenarioId(), need.peakRequestsPerSecond(), need.peakTilesPerSecond(),
            need.nodesExact(), need.nodes(),
            need.mixAsMeasured() ? "" : "(its mix differs from " + report.scenarioId() + "'s: run capacity " + need.scenarioId() + " for its own figure)");
      }
      out.println("  (API requests only; tiles are immutable and meant for the edge, pages are served by the frontend)");
    }
    CapacityLimit.of(report).ifPresent(l -> out.print("what stops one node:\n" + l.markdown(report)));
    AdmissionQueueModel.of(report).ifPresentOrElse(
        m -> out.print("what-if model:\n" + m.markdown()),
        () -> out.println("what-if model: fewer than two steps met every objective (one to fit, one to predict)"));
    out.println("capacity: " + file);
  }

  private static String row(int number, CapacityReport.Step s) {
    double shedShare = s.requests() == 0 ? 0 : 100.0 * s.shed() / s.requests();
    double cpuPerRequest = s.requests() == 0 ? 0 : s.cpuSeconds() * 1000 / s.requests();
    // the whole machine's cores busy over the step (node, database, broker and generator together)
    String hostBusy = s.hostCores() > 0 && s.wallSeconds() > 0 ? String.format("%.2f/%d", s.hostCpuSeconds() / s.wallSeconds(), s.hostCores()) : "–";
    return String.format("%4d %9.1f %9.1f %9.1f %9.1f %9.1f %7.2f %8.2f %7.2f %9s  %s%s",
        number, s.offeredPerSecond(), s.achievedPerSecond(), s.goodputPerSecond(), s.latency().p95Millis(), s.latency().p99Millis(),
        shedShare, s.cpuSeconds(), cpuPerRequest, hostBusy, s.met() ? "met" : "BROKE", s.rerun() ? " (re-run)" : "");
  }

  /** The warm-up's hold rounds in a line: their rate and what each cost ({@link WarmUp#cost}). */
  static String warmUp(List<CapacityReport.Step> rounds) {
    boolean cpu = rounds.stream().allMatch(WarmUp::cpuMeasured);
    StringBuilder costs = new StringBuilder();
    for (CapacityReport.Step r : rounds) {
      costs.append(costs.length() == 0 ? "" : ", ").append(String.format("%.2f", WarmUp.cost(r)));
    }
    return String.format("%d round%s of %.0f s at %.1f req/s, %s %s", rounds.size(), rounds.size() == 1 ? "" : "s",
        rounds.get(0).wallSeconds(), rounds.get(0).offeredPerSecond(), cpu ? "node CPU ms per request" : "p50 ms", costs);
  }
}

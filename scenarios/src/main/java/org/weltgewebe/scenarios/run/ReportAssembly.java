package org.weltgewebe.scenarios.run;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.weltgewebe.reports.BuildSbom;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.DailyTotals;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/** Puts a finished run's measures, overload check, oracle and usage together into its report and verdict. */
final class ReportAssembly {
  /** Exit code of a run whose verdict failed (an SLO, the shedding check or the oracle). */
  static final int FAILED = 1;

  private ReportAssembly() {}

  static RunReport assemble(
      RunOptions options, ScenarioDefinition scenario, Slice slice, Platform platform, Load load, Instant started,
      List<RunReport.RouteResult> routes, RunReport.Overload overload, RunReport.Oracle oracle, RunReport.ServerUsage usage,
      double generatorCeiling, String abortedEarly) {
    DailyTotals modelled = DailyTotals.of(scenario);
    double pageBytesPerSession = scenario.perSession(Action.PAGE) * scenario.bytes(Action.PAGE);
    RunReport.Scenario s = new RunReport.Scenario(
        scenario.id(), scenario.name(), scenario.monthlyActiveUsers(), scenario.sessionsPerDay(),
        modelled.requests(), modelled.events(), modelled.tileHits(), modelled.volumeBytes(),
        DailyTotals.persistedPerSession(scenario), pageBytesPerSession, scenario.errorBudget().serviceAvailabilityPercent());
    Instant finished = Instant.now();
    RunReport.Settings settings = new RunReport.Settings(
        platform.api().toString(), platform.startedByRun(), slice.compression(), slice.startHour(), slice.virtualHours(),
        Duration.between(started, finished).toMillis() / 1000.0, overload.factor(), overload.seconds(), options.seed(),
        load.generator(), load.connectionPolicy(), generatorCeiling, platform.nodes(), host());
    long requests = 0;
    long tiles = 0;
    long bytes = 0;
    for (RunReport.RouteResult r : routes) {
      requests += r.requests();
      bytes += r.bytesReceived();
      if (r.route().startsWith("/tiles/")) {
        tiles += r.requests();
      }
    }
    long delivered = oracle.watchers().stream().mapToLong(RunReport.FeedWatch::delivered).sum();
    RunReport.Totals totals = new RunReport.Totals(
        load.sessions(), requests - tiles + overload.offered(), tiles, oracle.persisted(), delivered, bytes, slice.virtualHours() * 3600);
    List<String> failures = new ArrayList<>();
    boolean slosMet = true;
    for (RunReport.RouteResult r : routes) {
      if (r.verdict().missed()) {
        slosMet = false;
        failures.add("SLO " + r.method() + " " + r.route() + ": " + r.verdict().reason());
      }
    }
    overload.failures().forEach(f -> failures.add("shedding: " + f));
    oracle.discrepancies().forEach(d -> failures.add("oracle: " + d));
    if (!abortedEarly.isEmpty()) {
      failures.add(0, "aborted early: " + abortedEarly);
    }
    // verdicts over a run that stopped early, measured nothing or lost events are void, never "met"
    slosMet = slosMet && oracle.passed() && abortedEarly.isEmpty() && !routes.isEmpty();
    boolean passed = slosMet && overload.passed() && oracle.passed() && abortedEarly.isEmpty();
    RunReport.Verdict verdict = new RunReport.Verdict(
        passed, slosMet, overload.passed(), oracle.passed(), List.copyOf(failures), passed ? 0 : FAILED, abortedEarly);
    return new RunReport(
        RunReport.SCHEMA_VERSION, options.runId(), started, finished, s, settings, totals, List.copyOf(routes),
        load.windows(), overload, oracle, usage, verdict, BuildSbom.ofThisBuild().orElse(null));
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName() + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    } catch (UnknownHostException e) {
      return Runtime.getRuntime().availableProcessors() + " cores";
    }
  }
}

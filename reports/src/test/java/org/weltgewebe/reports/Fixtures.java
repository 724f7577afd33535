package org.weltgewebe.reports;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Run reports for the tests: the real S1 run, one built by hand with round figures, and variations. */
final class Fixtures {
  static final String S1_RUN = "S1-20261129-042630";

  private Fixtures() {}

  /** The directory of a run stored under src/test/resources/runs. */
  static Path runDir(String runId) {
    try {
      return Path.of(Fixtures.class.getResource("/runs/" + runId + "/report.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The S1 run made on this machine (scenario run S1 --compress 24 --duration 150s). */
  static RunReport s1() {
    return RunReports.read(runDir(S1_RUN));
  }

  static Prices testPrices() {
    try {
      return Prices.read(Path.of(Fixtures.class.getResource("/prices-test.json").toURI()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static RunReport.RouteResult route(String method, String route, long requests, long bytes, double p95) {
    return new RunReport.RouteResult(method, route, new RunReport.Objective(99.9, 100, 250, false), requests, requests, 0, 0, 0, 0, bytes,
        new RunReport.Latency(p95 / 2, p95 * 0.9, p95, p95 * 1.5, p95 * 2, p95 / 2),
        100, new RunReport.SloVerdict(true, true, true, true, "met"), new RunReport.ErrorBudget(0.001, 0, 0, 0, 0, "NONE"));
  }

  /**
   * A run with round figures: 10 sessions, 1,000 CPU s in the main phase, 1,000 API requests
   * carrying 1 MB, 5,000 tiles carrying 100 MB, heap 512 MiB, journal +1 MB for 1,000 events, 500
   * bytes per stream message, 2 cores; scenario "T1" with 1,000 sessions a day.
   */
  static RunReport handMade() {
    RunReport.Scenario scenario = new RunReport.Scenario("T1", "test", 1000, 1000, 100_000, 20_000, 100_000, 1e11, 10, 1_000_000, 99.5);
    RunReport.Settings settings = new RunReport.Settings("http://x", true, 24, 20, 1, 150, 3, 60, 42, "test", "test", 0, 1, "test-host, 2 cores");
    RunReport.Totals totals = new RunReport.Totals(10, 1000, 5000, 1000, 0, 101_000_000, 3600);
    List<RunReport.RouteResult> routes = List.of(
        route("GET", "/knots", 1000, 1_000_000, 20),
        route("GET", "/tiles/{z}/{x}/{y}", 5000, 100_000_000, 10));
    List<RunReport.Window> timeline = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      timeline.add(new RunReport.Window("main", i * 10, "*", "*", 400, 400, 0, 0, 5, 15, 30));
    }
    RunReport.Overload overload = new RunReport.Overload(300, "given", 3, 900, 60, 54000, 30000, 24000, 0, 0, 0.44, 500, 1.67, 400, 750, 20, true, List.of(), 900, false, "");
    RunReport.Oracle oracle = new RunReport.Oracle(1000, 1000, 1000, List.of(new RunReport.FeedWatch("/regions/x/feed", 10, 10, 0, 0)), true, List.of());
    RunReport.ServerUsage server = new RunReport.ServerUsage(1500, 512.0 * (1 << 20), 256.0 * (1 << 20), Map.of(), Map.of(), 1000, 1_000_000, 500, 1000,
        0.1, 10, "test", Map.of("main", 1000.0, "overload", 500.0));
    RunReport.Verdict verdict = new RunReport.Verdict(true, true, true, true, List.of(), 0, "");
    return new RunReport(RunReport.SCHEMA_VERSION, "T1-hand", Instant.parse("2026-11-29T00:00:00Z"), Instant.parse("2026-11-29T00:05:00Z"),
        scenario, settings, totals, routes, timeline, overload, oracle, server, verdict);
  }

  /** {@code r} with every route's latency percentiles multiplied by {@code factor} and a new run id. */
  static RunReport scaledLatency(RunReport r, String runId, double factor) {
    return withRoutes(r, runId, x -> new RunReport.RouteResult(x.method(), x.route(), x.objective(), x.requests(), x.ok(), x.clientErrors(),
        x.serverErrors(), x.shed(), x.timeouts(), x.bytesReceived(),
        new RunReport.Latency(x.latency().p50Millis() * factor, x.latency().p90Millis() * factor, x.latency().p95Millis() * factor,
            x.latency().p99Millis() * factor, x.latency().maxMillis() * factor, x.latency().meanMillis() * factor),
        x.availabilityPercent(), x.verdict(), x.errorBudget()));
  }

  static RunReport withRoutes(RunReport r, String runId, UnaryOperator<RunReport.RouteResult> change) {
    return new RunReport(r.schemaVersion(), runId, r.startedAt(), r.finishedAt(), r.scenario(), r.settings(), r.totals(),
        r.routes().stream().map(change).toList(), r.timeline(), r.overload(), r.oracle(), r.server(), r.verdict());
  }

  static RunReport withOracle(RunReport r, String runId, RunReport.Oracle oracle, RunReport.Verdict verdict) {
    return new RunReport(r.schemaVersion(), runId, r.startedAt(), r.finishedAt(), r.scenario(), r.settings(), r.totals(),
        r.routes(), r.timeline(), r.overload(), oracle, r.server(), verdict);
  }
}

package org.weltgewebe.scenarios.run;

import java.io.PrintStream;
import java.nio.file.Path;
import org.weltgewebe.reports.RunReport;

/** The few lines a run ends with: verdicts first, then the figures behind them, then the report's path. */
final class Summary {
  private Summary() {}

  static void print(RunReport r, Path file, PrintStream out) {
    out.println();
    out.printf("%s %s — %s%n", r.runId(), r.verdict().passed() ? "PASSED" : "FAILED", r.scenario().id() + " " + r.scenario().name());
    out.printf("  SLOs %s | shedding %s | oracle %s%n",
        r.slosVoidBecause().map(why -> "VOID (" + why + ")").orElse(r.verdict().slosMet() ? "met" : "MISSED"), r.verdict().sheddingPassed() ? "passed" : "FAILED", r.oracle().passed() ? "consistent" : "INCONSISTENT");
    r.slosVoidBecause().ifPresent(why -> out.println("  the SLO verdicts below are void: " + why));
    out.printf("  %-34s %9s %8s %8s %8s %9s %7s %s%n", "route", "requests", "avail%", "p95 ms", "p99 ms", "budget%/mo", "alert", "verdict");
    for (RunReport.RouteResult route : r.routes()) {
      RunReport.ErrorBudget b = route.errorBudget();
      out.printf("  %-34s %9d %8.3f %8.1f %8.1f %9.2f %7s %s%n",
          route.method() + " " + route.route(), route.requests(), route.availabilityPercent(),
          route.latency().p95Millis(), route.latency().p99Millis(),
          b == null ? 0.0 : b.monthConsumedExtrapolated() * 100, b == null ? "-" : b.alert(),
          route.verdict().met() ? "met" : route.verdict().notEnoughData() ? "not enough data: " + route.verdict().reason()
              : "MISSED: " + route.verdict().reason());
    }
    long unjudged = r.routes().stream().filter(route -> route.verdict().notEnoughData()).count();
    if (unjudged > 0) {
      long needed = r.routes().stream().mapToLong(route -> route.verdict().requestsNeeded()).max().orElse(0);
      out.printf("  %d route(s) not judged for want of requests; the most any needs is %,d: --coverage-requests %d tops every"
          + " route up to that (give --coverage the time it takes)%n", unjudged, needed, needed);
    }
    RunReport.Overload o = r.overload();
    out.printf("  overload %.1fx of %.0f req/s (%s): offered %d, ok %d, shed %.1f %%, timeouts %d, goodput %.0f/s = %.2f of sustainable, accepted p99 %.1f ms (objective %.0f), 503 p99 %.1f ms%n",
        o.factor(), o.sustainablePerSecond(), o.sustainableSource(), o.offered(), o.ok(), o.shedShare() * 100, o.timeouts(),
        o.goodputPerSecond(), o.goodputShare(), o.acceptedP99Millis(), o.acceptedP99ObjectiveMillis(), o.shedP99Millis());
    out.printf("  generator: %s; its ceiling on this machine %.0f req/s against a route that does no work%n",
        r.settings().generator(), r.settings().generatorCeilingPerSecond());
    if (o.note() != null && !o.note().isEmpty()) {
      out.println("  ! overload: " + o.note());
    }
    RunReport.Oracle oracle = r.oracle();
    out.printf("  oracle: persisted %d, in JetStream %d, applied to read models %d, SSE %s%n",
        oracle.persisted(), oracle.inStream(), oracle.appliedToReadModels(),
        oracle.watchers().stream().map(w -> w.feed() + " " + w.delivered() + "/" + w.expected()).toList());
    if (oracle.recount() != null) {
      RunReport.Recount rc = oracle.recount();
      out.printf("  oracle recount from the journal: %d proposals (%d closed, tallies recomputed), %d direct votes, %d accounts"
          + " with %d movements%n", rc.proposals(), rc.closedProposals(), rc.directVotes(), rc.accounts(), rc.movements());
    }
    RunReport.ServerUsage s = r.server();
    out.printf("  server: %.1f CPU s, heap mean %.0f MiB, journal +%.1f MiB, %.0f B per stream message%n",
        s.cpuSeconds(), s.heapUsedMeanBytes() / 1048576, s.journalBytesGrowth() / 1048576.0, s.streamBytesPerMessage());
    r.verdict().failures().forEach(f -> out.println("  ✗ " + f));
    java.nio.file.Path gatling = file.resolveSibling("gatling");
    for (String phase : java.util.List.of("ceiling", "main", CoveragePhase.WARM_UP, "coverage", "probe", "overload")) {
      java.nio.file.Path index = gatling.resolve(phase).resolve("index.html");
      if (java.nio.file.Files.exists(index)) {
        out.println("gatling " + phase + ": " + index);
      }
    }
    for (String readable : java.util.List.of("report.md", "report.html")) {
      if (java.nio.file.Files.exists(file.resolveSibling(readable))) {
        out.println(readable + ": " + file.resolveSibling(readable));
      }
    }
    out.println("report: " + file);
  }
}

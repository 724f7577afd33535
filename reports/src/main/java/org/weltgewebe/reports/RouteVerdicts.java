package org.weltgewebe.reports;

/** How every rendering of a run words the SLO verdicts: per route, for the run, and the data they need. */
final class RouteVerdicts {
  /** What the report says about how much data a verdict needs (Judge's rule). */
  static final String DATA_NEEDED =
      "A latency verdict needs ⌈5 / (1 − q)⌉ answered requests: 100 for a p95, 500 for a p99;"
          + " a route with fewer has not enough data and neither passes nor fails.";

  private RouteVerdicts() {}

  /** The SLO check for the run: met, missed, or void and why. */
  static String run(RunReport r) {
    return r.slosVoidBecause().map(why -> "void: " + why).orElse(r.verdict().slosMet() ? "met" : "missed");
  }

  /** One route's verdict in words: met, not enough data (with the count), or what it missed. */
  static String route(RunReport.RouteResult rr) {
    if (rr.verdict().met()) {
      return "met";
    }
    if (rr.verdict().notEnoughData()) {
      return "not enough data (" + rr.ok() + " answered of " + rr.verdict().requestsNeeded() + " needed)";
    }
    return "missed: " + rr.verdict().reason();
  }
}

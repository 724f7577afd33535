package org.weltgewebe.reports;

/** How every rendering of a run words the SLO verdicts: per route, for the run, and the data they need. */
final class RouteVerdicts {
  /** What the report says about how much data a verdict needs (Judge's and AvailabilityEvidence's rules in scenarios). */
  static final String DATA_NEEDED =
      "A latency verdict needs ⌈5 / (1 − q)⌉ answered requests: 100 for a p95, 500 for a p99."
          + " Availability is judged by an exact one-sided binomial test at 95 % confidence: missed when a route at its objective"
          + " fails as often as this one did in at most 5 % of runs, met when a route below its objective fails as rarely in at"
          + " most 5 % of runs (without a failure: 598 requests for 99.5 %, 2,995 for 99.9 %, 5,990 for 99.95 %)."
          + " A route with too few requests for a verdict has not enough data and neither passes nor fails.";

  private RouteVerdicts() {}

  /** The SLO check for the run: met, missed, or void and why. */
  static String run(RunReport r) {
    return r.slosVoidBecause().map(why -> "void: " + why).orElse(r.verdict().slosMet() ? "met" : "missed");
  }

  /**
   * One route's verdict in words: met, not enough data (with what each unjudged part had and
   * needs, in its own unit: answered requests for a percentile, requests for availability), or
   * what it missed.
   */
  static String route(RunReport.RouteResult rr) {
    if (rr.verdict().met()) {
      return "met";
    }
    if (rr.verdict().notEnoughData()) {
      String why = rr.verdict().reason();
      // reports written before availability was judged may begin their reason with these words
      return why.startsWith("not enough data") ? why : "not enough data: " + why;
    }
    return "missed: " + rr.verdict().reason();
  }
}

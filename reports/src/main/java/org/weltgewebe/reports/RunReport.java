package org.weltgewebe.reports;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything one scenario run found, as {@code reports/<run-id>/report.json} holds it: the scenario
 * and settings it ran with, per-route SLIs and verdicts, the timeline, the overload phase, the
 * consistency oracle, what the platform used and the software bill of materials of the build that
 * ran it. Renderers, the cost model and {@code report diff}
 * read only this, so its shape is versioned: a change that removes or renames a field raises
 * {@link #SCHEMA_VERSION}; adding a field does not.
 *
 * <p>Units are in the names: {@code Millis}, {@code Bytes}, {@code Seconds}, {@code PerSecond};
 * percentages are {@code Percent} (0–100), shares and ratios are plain fractions (0–1).
 */
public record RunReport(
    int schemaVersion,
    String runId,
    Instant startedAt,
    Instant finishedAt,
    Scenario scenario,
    Settings settings,
    Totals totals,
    List<RouteResult> routes,
    List<Window> timeline,
    Overload overload,
    Oracle oracle,
    ServerUsage server,
    Verdict verdict,
    Sbom sbom) {

  public static final int SCHEMA_VERSION = 1;

  /** A report without the build's SBOM (one written before runs recorded it, or a test's). */
  public RunReport(
      int schemaVersion, String runId, Instant startedAt, Instant finishedAt, Scenario scenario, Settings settings, Totals totals,
      List<RouteResult> routes, List<Window> timeline, Overload overload, Oracle oracle, ServerUsage server, Verdict verdict) {
    this(schemaVersion, runId, startedAt, finishedAt, scenario, settings, totals, routes, timeline, overload, oracle, server, verdict, null);
  }

  /** The scenario as its definition describes it, with the daily totals it models. */
  public record Scenario(
      String id,
      String name,
      int monthlyActiveUsers,
      double sessionsPerDay,
      double modelledRequestsPerDay,
      double modelledEventsPerDay,
      double modelledTileHitsPerDay,
      double modelledVolumeBytesPerDay,
      double modelledPersistedEventsPerSession,
      double modelledPageBytesPerSession,
      double serviceAvailabilityPercent) {}

  /**
   * How the run was driven. {@code compression}: virtual seconds per wall second; {@code
   * virtualStartHour}/{@code virtualHours}: the slice of the scenario's day replayed; {@code
   * generatorCeilingPerSecond}: the highest request rate the load generator itself reached against
   * a trivial route on this machine (0 when not measured), so a report never blames the platform
   * for the generator's limit.
   */
  public record Settings(
      String target,
      boolean platformStartedByRun,
      double compression,
      double virtualStartHour,
      double virtualHours,
      double wallSeconds,
      double overloadFactor,
      double overloadSeconds,
      long seed,
      String generator,
      String connectionPolicy,
      double generatorCeilingPerSecond,
      int nodes,
      String host) {}

  /** What the run did in total (main phase and overload phase together). */
  public record Totals(
      long sessions,
      long requests,
      long tileHits,
      long eventsPersisted,
      long liveDeliveries,
      long bytesReceived,
      double virtualSeconds) {}

  /** One route's objective and what the run measured on it (main phase only; overload is apart). */
  public record RouteResult(
      String method,
      String route,
      Objective objective,
      long requests,
      long ok,
      long clientErrors,
      long serverErrors,
      long shed,
      long timeouts,
      long bytesReceived,
      Latency latency,
      double availabilityPercent,
      SloVerdict verdict,
      ErrorBudget errorBudget) {}

  /** A route's objective from {@code scenarios/slo/slos.json}. */
  public record Objective(double availabilityPercent, int p95Millis, int p99Millis, boolean critical) {}

  /** Client-side latency percentiles in milliseconds (HdrHistogram, open model: no coordinated omission). */
  public record Latency(double p50Millis, double p90Millis, double p95Millis, double p99Millis, double maxMillis, double meanMillis) {}

  /**
   * Whether a route met its objective in this run, and why not. {@code requestsNeeded} > 0: the
   * route had too few requests for a verdict and failed nothing else; it neither passed nor failed
   * ({@code met} is false, and the run's verdict does not count it). Too few are fewer answered
   * requests than a latency percentile needs (a p99 ⌈5 / (1 − 0.99)⌉ = 500), or fewer requests than
   * an exact binomial test at 95 % confidence needs to show the availability objective met (with
   * no failure 5,990 for 99.95 %); {@code requestsNeeded} is the larger of the two, and the reason
   * names each in its own unit. {@code availabilityMet}, {@code p95Met} and {@code p99Met} are false
   * only when that part missed: a part that was not judged counts as met there. 0 in reports
   * written before this field existed.
   */
  public record SloVerdict(boolean availabilityMet, boolean p95Met, boolean p99Met, boolean met, String reason, long requestsNeeded) {
    /** A verdict with enough data behind it. */
    public SloVerdict(boolean availabilityMet, boolean p95Met, boolean p99Met, boolean met, String reason) {
      this(availabilityMet, p95Met, p99Met, met, reason, 0);
    }

    /** True when the route had too few requests for a verdict and failed nothing else. */
    public boolean notEnoughData() {
      return requestsNeeded > 0;
    }

    /** True when the route failed its objective on enough data. */
    public boolean missed() {
      return !met && requestsNeeded == 0;
    }
  }

  /**
   * Error budget: {@code consumedInRun} = the run's bad requests over the budget the run's requests
   * were allowed; {@code monthConsumedExtrapolated} = the share of a month's budget this error
   * rate would burn at the scenario's real daily volume (a slice of a day stands for the day's
   * traffic profile); {@code burnRate} = error rate / allowed error rate; {@code alert} = NONE,
   * WARNING (≥ the policy's warn share, 1 %) or ESCALATION (≥ 5 %).
   */
  public record ErrorBudget(
      double allowedErrorRatio,
      double errorRatio,
      double burnRate,
      double consumedInRun,
      double monthConsumedExtrapolated,
      String alert) {}

  /**
   * One 10-second window of one route (route "*" = all routes), offset from the run's start in
   * wall seconds, with the phase it belongs to.
   */
  public record Window(
      String phase,
      double offsetSeconds,
      String method,
      String route,
      long requests,
      long ok,
      long shed,
      long errors,
      double p50Millis,
      double p95Millis,
      double p99Millis) {}

  /**
   * The overload phase: a request mix offered at {@code factor} × {@code sustainablePerSecond} (the
   * rate found by the probe before it, or given). Goodput = successful requests per second; its
   * share is against the sustainable rate. {@code acceptedP99Millis} is the p99 of requests
   * answered 2xx, {@code shedP99Millis} of the 503s. {@code achievedPerSecond}: the rate the
   * generator really offered; {@code generatorLimited}: the generator offered less than 90 % of the
   * planned rate — then a goodput shortfall may be the generator's, and the goodput check is not
   * held against the platform; {@code note} says so, or that the plan was near the generator's
   * measured ceiling although it was offered in full.
   */
  public record Overload(
      double sustainablePerSecond,
      String sustainableSource,
      double factor,
      double offeredPerSecond,
      double seconds,
      long offered,
      long ok,
      long shed,
      long otherErrors,
      long timeouts,
      double shedShare,
      double goodputPerSecond,
      double goodputShare,
      double acceptedP99Millis,
      double acceptedP99ObjectiveMillis,
      double shedP99Millis,
      boolean passed,
      List<String> failures,
      double achievedPerSecond,
      boolean generatorLimited,
      String note) {}

  /**
   * The consistency oracle: every event the run persisted must be in JetStream (by dedupe id),
   * applied to the read models, and delivered to each SSE watcher that stayed connected to its
   * region. {@code watchers}: per watched feed, how many events it should have received and did.
   */
  public record Oracle(
      long persisted,
      long inStream,
      long appliedToReadModels,
      List<FeedWatch> watchers,
      boolean passed,
      List<String> discrepancies,
      Recount recount) {
    /** An oracle without the recount of proposals and accounts (reports written before it). */
    public Oracle(long persisted, long inStream, long appliedToReadModels, List<FeedWatch> watchers, boolean passed,
        List<String> discrepancies) {
      this(persisted, inStream, appliedToReadModels, watchers, passed, discrepancies, null);
    }
  }

  /**
   * What the oracle recounted from the journal and compared with the read models: the proposals the
   * run touched ({@code closedProposals} of them closed, their tallies recomputed), their direct
   * votes, and the community accounts with their movements (null in reports written before it).
   */
  public record Recount(long proposals, long closedProposals, long directVotes, long accounts, long movements) {}

  /**
   * One SSE subscriber the runner kept connected for the whole run; {@code reconnects}: how often
   * its connection ended (a node killed or restarted) and it connected again with Last-Event-ID.
   */
  public record FeedWatch(String feed, long expected, long delivered, long duplicates, long outOfOrder, long reconnects) {
    /** A watcher that never had to connect again. */
    public FeedWatch(String feed, long expected, long delivered, long duplicates, long outOfOrder) {
      this(feed, expected, delivered, duplicates, outOfOrder, 0);
    }
  }

  /**
   * What the platform used during the run, read from its metrics and its database: CPU seconds of
   * the node processes, heap, egress per route template, persisted events and their stored size,
   * JetStream's bytes per message and lag, shed counts per route. {@code cpuSecondsByPhase}: the
   * same CPU seconds split by the phase that ran when they were used ("ceiling", "main" including
   * its unjudged setup, "probe", "overload", "drain"); empty when CPU was not measured.
   */
  public record ServerUsage(
      double cpuSeconds,
      double heapUsedMaxBytes,
      double heapUsedMeanBytes,
      Map<String, Long> egressBytesByRoute,
      Map<String, Long> shedByRoute,
      long eventsPersisted,
      long journalBytesGrowth,
      double streamBytesPerMessage,
      long streamMessages,
      double outboxLagMaxSeconds,
      double jetStreamConsumerPendingMax,
      String source,
      Map<String, Double> cpuSecondsByPhase) {}

  /**
   * The run's overall outcome: passed only if every SLO, the shedding check and the oracle passed.
   * {@code abortedEarly}: why the run stopped before its end (an error budget burning faster than
   * the policy's abort rate, with {@code --abort-on-burn}), empty when it ran to the end.
   */
  public record Verdict(
      boolean passed, boolean slosMet, boolean sheddingPassed, boolean oraclePassed, List<String> failures, int exitCode, String abortedEarly) {}

  /**
   * Why this run's SLO verdicts mean nothing, if they do not: the oracle found persisted events
   * missing downstream (what the clients measured is not a platform that works), the run stopped
   * early, or no route was measured. Empty when the verdicts stand.
   */
  public java.util.Optional<String> slosVoidBecause() {
    if (verdict.abortedEarly() != null && !verdict.abortedEarly().isEmpty()) {
      return java.util.Optional.of("the run stopped early");
    }
    if (!verdict.oraclePassed()) {
      return java.util.Optional.of("the consistency oracle failed");
    }
    if (routes.isEmpty()) {
      return java.util.Optional.of("no route was measured");
    }
    return java.util.Optional.empty();
  }

  /**
   * The CycloneDX software bill of materials of the build that ran the scenario (the aggregate
   * {@code target/bom.json} that {@code mvn package} writes at the repository's root): where it
   * lay, its serial number, the SHA-256 of the file and how many components it lists. Null in
   * {@code report.json} when the run could not find it (a build with the SBOM skipped, or a runner
   * started outside {@code ./weltgewebe}).
   */
  public record Sbom(String path, String serialNumber, String sha256, int components) {}
}

package org.weltgewebe.reports;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code ./weltgewebe scenario capacity S} found, as {@code reports/<run-id>/capacity.json}
 * holds it: load stepped up until an objective broke, each step measured on both sides, the
 * highest rate that still met every objective, the knee of the latency curve, and how many nodes
 * each scenario needs at its peak. Versioned like {@link RunReport}: removing or renaming a field
 * raises {@link #SCHEMA_VERSION}, adding one does not.
 *
 * <p>{@code kneePerSecond} is 0 when the curve shows no knee in the tested range, and
 * {@code kneeMethod} says how it was found or why there is none; {@code stopRule} says when the
 * search stopped and why, so that noise on a shared machine can be told from a limit.
 * {@code cpuMillisPerRequest} is the platform's CPU time per offered request over the steps that met
 * every objective (the service time a what-if model needs); 0 when the target is remote and its CPU
 * not measured. {@code marginalCpuMillisPerRequest} is the slope of CPU over request rate across
 * those steps, without what an idle node spends; 0 when it could not be told.
 * {@code sustainablePerSecond} is 0 when not even the first step met every objective.
 * {@code warmup} holds the warm-up's rounds at its top rate after the climb, measured like steps but
 * not judged (their {@code met} says nothing): the node's CPU per request falling round by round is
 * the JIT compiling; empty when there were none (or in a capacity.json written before they were).
 */
public record CapacityReport(
    int schemaVersion,
    String runId,
    Instant startedAt,
    Instant finishedAt,
    String scenarioId,
    String target,
    int nodes,
    int coresPerNode,
    String host,
    String generator,
    double generatorCeilingPerSecond,
    double stepSeconds,
    List<Step> steps,
    double sustainablePerSecond,
    double sustainablePerSecondPerNode,
    double kneePerSecond,
    String limitedBy,
    double targetUtilisation,
    List<ScenarioNeed> nodesNeeded,
    String kneeMethod,
    String stopRule,
    double cpuMillisPerRequest,
    double marginalCpuMillisPerRequest,
    List<Step> warmup) {

  public static final int SCHEMA_VERSION = 1;

  public CapacityReport {
    warmup = warmup == null ? List.of() : List.copyOf(warmup);
  }

  /**
   * The run that ended the search: the latest run at the lowest rate that broke in two runs in a
   * row ({@link #brokenTwice}; a refining search runs lower rates after it, so it need not be the
   * last run), else the last run; empty for a search without steps.
   */
  public Optional<Step> endingStep() {
    return brokenTwice(steps).or(() -> steps.isEmpty() ? Optional.empty() : Optional.of(steps.get(steps.size() - 1)));
  }

  /** A step's rate as a key: rates are products of the search's factor, and equal to a thousandth of a request per second is the same step. */
  public static long rateKey(double perSecond) {
    return Math.round(perSecond * 1000);
  }

  /** The latest run at the lowest rate of {@code steps} (in the order they ran) that broke in two runs in a row, if any. */
  public static Optional<Step> brokenTwice(List<Step> steps) {
    Step lowest = null;
    for (int i = 1; i < steps.size(); i++) {
      Step before = steps.get(i - 1);
      Step run = steps.get(i);
      boolean sameRate = rateKey(before.offeredPerSecond()) == rateKey(run.offeredPerSecond());
      if (!before.met() && !run.met() && sameRate && (lowest == null || run.offeredPerSecond() < lowest.offeredPerSecond())) {
        lowest = run;
      }
    }
    return Optional.ofNullable(lowest);
  }

  /**
   * One load step: the scenario's request mix offered open-model at {@code offeredPerSecond} for
   * the step's seconds. {@code cpuSeconds} is what the node processes used during the step (0 when
   * the target is remote and not measured). {@code hostCpuSeconds} is what the whole machine the
   * search ran on kept busy over the same interval, all {@code hostCores} CPUs together (from
   * /proc/stat: total − idle − iowait): on one machine the node, PostgreSQL, NATS and the load
   * generator share the cores, and their sum is what saturates. Both are 0 when not measured (not
   * Linux, or a capacity.json written before they were recorded). {@code met} is whether every
   * route met its objective.
   * Latencies are of the requests answered 2xx/3xx/4xx — what the objectives are about; a shed 503
   * counts against availability instead. {@code achievedPerSecond} and {@code goodputPerSecond} are
   * answered and OK requests over {@code wallSeconds}, the step's wall time until its last request
   * was answered (at least the step's seconds); {@code rerun} marks the second run at a rate whose first run broke.
   * {@code processes} splits the host's busy CPU by who spent it (the node, PostgreSQL, NATS, the
   * load generator, the rest), over the same interval as {@code hostCpuSeconds} ({@link ProcessCpu});
   * empty when not measured (a remote target's processes, or a capacity.json from before it was recorded).
   */
  public record Step(
      double offeredPerSecond,
      double achievedPerSecond,
      double goodputPerSecond,
      long requests,
      long ok,
      long shed,
      long serverErrors,
      long timeouts,
      RunReport.Latency latency,
      double cpuSeconds,
      double hostCpuSeconds,
      int hostCores,
      boolean met,
      List<String> failures,
      List<RouteStep> routes,
      double wallSeconds,
      boolean rerun,
      List<ProcessCpu> processes) {

    public Step {
      processes = processes == null ? List.of() : List.copyOf(processes);
    }

    /** Busy cores of the whole host over the step's wall time; 0 when not measured. */
    public double hostBusyCores() {
      return hostCores > 0 && wallSeconds > 0 ? hostCpuSeconds / wallSeconds : 0;
    }
  }

  /**
   * CPU seconds one kind of process spent on the search's host during a step: {@link #NODE} the
   * platform's node(s), {@link #OTHER} what the host spent beyond every named one (the kernel's own
   * work, processes that ended within the step, anything else running on the machine).
   */
  public record ProcessCpu(String name, double cpuSeconds) {
    public static final String NODE = "node";
    public static final String POSTGRESQL = "PostgreSQL";
    public static final String NATS = "NATS";
    public static final String GENERATOR = "load generator";
    public static final String OTHER = "other";
  }

  /** One route within a step. */
  public record RouteStep(String method, String route, long requests, long ok, long bad, RunReport.Latency latency) {}

  /**
   * Nodes a scenario needs: its peak request rate (real time, from its definition) over the
   * measured sustainable rate per node at {@code targetUtilisation}, rounded up, at least one.
   * {@code peakRequestsPerSecond} counts the JSON API requests of the peak hour (what the search
   * offered); {@code peakTilesPerSecond} the tiles beside them, which the edge is meant to serve.
   * {@code mixAsMeasured} is false when the scenario's request mix differs from the one the search
   * offered: then its node count assumes its requests cost what the measured mix's did.
   * {@code dayRequests} counts the JSON API requests of its whole day (0 in a capacity.json from
   * before it was recorded): what a time-compressed replay of the day sends ({@link CapacityLimit}).
   */
  public record ScenarioNeed(
      String scenarioId,
      double peakRequestsPerSecond,
      double nodesExact,
      int nodes,
      double peakTilesPerSecond,
      boolean mixAsMeasured,
      double dayRequests) {}
}

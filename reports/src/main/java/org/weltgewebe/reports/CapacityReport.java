package org.weltgewebe.reports;

import java.time.Instant;
import java.util.List;

/**
 * What {@code ./weltgewebe scenario capacity S} found, as {@code reports/<run-id>/capacity.json}
 * holds it: load stepped up until an objective broke, each step measured on both sides, the
 * highest rate that still met every objective, the knee of the latency curve, and how many nodes
 * each scenario needs at its peak. Versioned like {@link RunReport}: removing or renaming a field
 * raises {@link #SCHEMA_VERSION}, adding one does not.
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
    List<ScenarioNeed> nodesNeeded) {

  public static final int SCHEMA_VERSION = 1;

  /**
   * One load step: the scenario's request mix offered open-model at {@code offeredPerSecond} for
   * the step's seconds. {@code cpuSeconds} is what the node processes used during the step (0 when
   * the target is remote and not measured); {@code met} whether every route met its objective.
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
      boolean met,
      List<String> failures,
      List<RouteStep> routes) {}

  /** One route within a step. */
  public record RouteStep(String method, String route, long requests, long ok, long bad, RunReport.Latency latency) {}

  /**
   * Nodes a scenario needs: its peak request rate (real time, from its definition) over the
   * measured sustainable rate per node at {@code targetUtilisation}, rounded up, at least one.
   */
  public record ScenarioNeed(String scenarioId, double peakRequestsPerSecond, double nodesExact, int nodes) {}
}

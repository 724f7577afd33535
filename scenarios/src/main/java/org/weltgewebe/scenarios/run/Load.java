package org.weltgewebe.scenarios.run;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;

/**
 * What the run needs of a load generator: run a phase to its end, then say what the clients
 * measured. Two drivers implement it: Gatling over the HTTP API ({@code GatlingLoad}) and virtual
 * users inside the cluster ({@code scenarios.cluster.ClusterLoad}).
 */
public interface Load extends AutoCloseable {

  /** A slice of the scenario's day replayed as whole user sessions. */
  record Sessions(String name, double virtualStartHour, double virtualHours) implements Phase {}

  /** Single requests drawn from {@code mix}, arriving at a rate ramping from {@code fromPerSecond} to {@code toPerSecond}. */
  record Requests(String name, Duration duration, double fromPerSecond, double toPerSecond, Map<Action, Double> mix)
      implements Phase {}

  /** A phase of a run. */
  sealed interface Phase permits Sessions, Requests {
    String name();
  }

  /** Runs {@code phase} to its end (blocking). */
  void run(Phase phase);

  /**
   * Stops the running phase early (its users stop at their next step) and makes every later
   * {@link #run} return at once; {@code reason} goes into the generator's own record.
   */
  void abort(String reason);

  /**
   * Seconds from {@code phase}'s first request to its last answer, when the driver knows them: the
   * phase's own time, without the driver's start and stop around it (Gatling's simulation start,
   * set-up user and report take seconds of their own).
   */
  default java.util.OptionalDouble activeSeconds(String phase) {
    return java.util.OptionalDouble.empty();
  }

  /** Per-route measurements of {@code phase}. */
  List<RouteMeasure> measures(String phase);

  /**
   * Per-route measurements of several phases taken together (the main phase and its coverage top-up);
   * a driver that cannot merge them gives the first phase's.
   */
  default List<RouteMeasure> measures(List<String> phases) {
    return measures(phases.get(0));
  }

  /** True when {@link #measures(List)} merges phases, so that a coverage phase adds to the main one. */
  default boolean mergesPhases() {
    return false;
  }

  /** 10-second windows of every phase so far, per route and overall (route "*"). */
  List<RunReport.Window> windows();

  /**
   * What the clients saw in one wall second (by the second a request started), all routes together:
   * requests, answered 2xx/3xx ({@code ok}, the goodput), shed (503), other failures (5xx,
   * timeouts, refused connections), and the 95th percentile latency of the ok ones.
   */
  record Second(long epochSecond, String phase, long requests, long ok, long shed, long failed, double okP95Millis) {}

  /**
   * Every second of the run so far in which a request started, in order; empty when the driver
   * keeps only 10-s windows. A fault run's timeline and goodput dips are read from it.
   */
  default List<Second> seconds() {
    return List.of();
  }

  /**
   * {@code phase}'s all-route windows of {@code seconds} wall seconds, one starting at each of its
   * whole seconds (they overlap), without the phase's first and last second, which its start and end
   * cut; each window's latency percentiles are those of all its requests. Empty when the driver
   * keeps only 10-s windows.
   */
  default List<RunReport.Window> slidingWindows(String phase, int seconds) {
    return List.of();
  }

  /**
   * How {@code phase}'s requests waited for a connection inside the generator, when it bounds its
   * connections (empty otherwise): such a wait is the generator's, not the platform's.
   */
  default String queueing(String phase) {
    return "";
  }

  /** Live figures for the progress line. */
  Progress.Figures figures();

  /** The H3 cells users live in, hottest first. */
  List<String> cellsByHeat();

  /** What generates the load, e.g. "Gatling 3.15.1 (in-process)". */
  String generator();

  /** How it uses connections, and why. */
  String connectionPolicy();

  /** The highest request rate this generator reaches on this machine against a route that does no work. */
  double ceiling(Duration duration);

  /** Sessions started so far. */
  long sessions();

  @Override
  void close();
}

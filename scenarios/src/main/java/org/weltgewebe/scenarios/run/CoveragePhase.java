package org.weltgewebe.scenarios.run;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/**
 * The coverage phase of a run: tops up the API routes the main phase left with too few requests
 * for a p99 verdict, at a rate derived from a reference rate the node is known to serve: the given
 * sustainable rate, or the main phase's peak goodput (the phase runs before the probe measures one).
 */
final class CoveragePhase {
  /** The coverage phase's lowest rate, as a share of the reference rate. */
  static final double COVERAGE_MIN_SHARE = 0.1;
  /** The most the coverage phase offers, as a share of the reference rate. */
  static final double COVERAGE_MAX_SHARE = 0.5;
  /**
   * Requests per route the warm-up sends before the coverage phase is judged: HotSpot interprets a
   * method for its first 200 calls (Tier3InvocationThreshold) and compiles it after, and a route the
   * day sent a dozen times has code nothing else calls. Without it, the judged phase's first 40–60 s
   * ran that code interpreted on a machine whose two cores it saturated: p99 2–6 s and sheds, then
   * p95 under 100 ms once compiled (docs/performance.md, 2026-12-07).
   */
  static final long WARM_UP_PER_ROUTE = 200;
  /** The warm-up's first rate, as a share of the coverage phase's: it climbs to that rate. */
  static final double WARM_UP_FROM_SHARE = 0.1;

  /** The warm-up's phase name: its requests are in the timeline, never in a route's verdict. */
  static final String WARM_UP = "coverage-warm-up";

  private CoveragePhase() {}

  /**
   * Tops up the main phase for a verdict on every API route: the routes of the mix (and logging
   * in and registering) that got fewer than {@code target} requests ({@link RunOptions#COVERAGE_REQUESTS}
   * by default) get equal shares of the
   * lowest rate that brings them there within {@code max} (a tenth to a half of {@code reference},
   * which {@code referenceName} names), until the scarcest would reach it or {@code max} (--coverage,
   * default 120 s) has passed. A day's rare writes (a profile update, an untwist) otherwise stay at a
   * handful of requests. Before it, a warm-up that is not judged sends each of these routes about
   * {@link #WARM_UP_PER_ROUTE} requests (at most half of {@code max} long).
   */
  static void run(Load load, ScenarioDefinition scenario, double reference, String referenceName, Duration max, long target,
      Progress progress, ServerSampler server, PrintStream out) {
    if (!load.mergesPhases() || !(reference > 0) || max.isZero()) {
      return;
    }
    Map<Action, Long> lacking = lacking(scenario, load.measures("main"), target);
    if (lacking.isEmpty()) {
      return;
    }
    long scarcest = lacking.values().stream().mapToLong(Long::longValue).min().orElse(0);
    long deficit = (target - scarcest) * lacking.size();
    // as slow as reaches the target within max: the coverage routes are mostly writes, several
    // times dearer than the read-heavy mixes the reference rates come from (at a quarter of a
    // sustainable 1,408 req/s the writes were shed); at least a tenth, at most half of the reference
    double rate = Math.min(COVERAGE_MAX_SHARE * reference,
        Math.max(COVERAGE_MIN_SHARE * reference, deficit / (double) Math.max(1, max.toSeconds())));
    double seconds = Math.min(max.toSeconds(), Math.ceil(deficit / rate));
    Map<Action, Double> equal = new EnumMap<>(Action.class);
    lacking.keySet().forEach(a -> equal.put(a, 1.0));
    out.printf("%ncoverage: %d routes below %d requests (%s) get equal shares of %.0f req/s for %.0f s (a tenth to a half of %s, %.0f req/s)%n",
        lacking.size(), target, lacking.keySet().stream().map(a -> a.method() + " " + a.route()).toList(), rate, seconds,
        referenceName, reference);
    // a ramp from a tenth of the rate to the rate averages 0.55 of it; at most half the phase's bound
    double rampAverage = rate * (1 + WARM_UP_FROM_SHARE) / 2;
    double warmUpSeconds = Math.max(1, Math.min(Math.floor(max.toSeconds() / 2.0), Math.ceil(WARM_UP_PER_ROUTE * lacking.size() / rampAverage)));
    out.printf("coverage warm-up: about %.0f requests per route, not judged, climbing from %.0f to %.0f req/s over %.0f s%n",
        rampAverage * warmUpSeconds / lacking.size(), WARM_UP_FROM_SHARE * rate, rate, warmUpSeconds);
    progress.phase(WARM_UP);
    server.phase(WARM_UP);
    load.run(new Load.Requests(WARM_UP, Duration.ofSeconds((long) warmUpSeconds), WARM_UP_FROM_SHARE * rate, rate, equal));
    progress.phase("coverage");
    server.phase("coverage");
    load.run(new Load.Requests("coverage", Duration.ofMillis(Math.round(seconds * 1000)), rate, rate, equal));
  }

  /** The mix's API actions, logging in and registering whose route had fewer than {@code target} requests, with their counts. */
  static Map<Action, Long> lacking(ScenarioDefinition scenario, List<RouteMeasure> main, long target) {
    Map<Action, Long> lacking = new EnumMap<>(Action.class);
    List<Action> candidates = new ArrayList<>(scenario.apiMix().keySet());
    candidates.add(Action.LOGIN);
    candidates.add(Action.REGISTER);
    for (Action a : candidates) {
      long count = main.stream().filter(m -> m.method().equals(a.method()) && m.route().equals(a.route()))
          .mapToLong(RouteMeasure::requests).sum();
      if (count < target) {
        lacking.put(a, count);
      }
    }
    return lacking;
  }
}

package org.weltgewebe.scenarios.run;

import java.time.Duration;
import java.util.List;
import org.weltgewebe.reports.CapacityReport;

/**
 * When the capacity search's warm-up may stop: after its climb it holds the climb's top rate in
 * rounds, and a round that costs the node no less per request than the cheapest round before it
 * (within {@link #GAIN}) ends it. A node's first minutes under load run on code the JIT has not
 * compiled yet: the mixed load on a fresh node answered 516, 758, 965, 1,018, 1,210 and 1,239
 * req/s in its first six 10-s rounds (http/bench/mixed.sh), so a search that starts stepping after
 * a fixed minute measures its first steps on a node slower than the one it ends on, and its
 * answer and the what-if model's CPU line with it (docs/performance.md).
 *
 * <p>The cost of a round is the node's CPU per request where the search can see the node's CPU
 * (started here), else the round's median latency (a remote target): at a fixed rate below
 * capacity both fall as the code gets compiled, and level out once it is.
 */
final class WarmUp {
  /** The length of a round (shorter when --warmup-max is). */
  static final Duration ROUND = Duration.ofSeconds(20);
  /** A round must be this much cheaper than the cheapest before it for the warm-up to go on. */
  static final double GAIN = 0.05;
  /** Rounds before the warm-up may stop: one to compare with, one to compare. */
  static final int MIN_ROUNDS = 2;
  static final String RULE = "a round at the warm-up rate no longer 5 % cheaper per request than the cheapest before it";

  private WarmUp() {}

  static Duration round(Duration max) {
    return max.compareTo(ROUND) < 0 ? max : ROUND;
  }

  /** Whether the node's CPU was measured in {@code round} (not for a remote target). */
  static boolean cpuMeasured(CapacityReport.Step round) {
    return round.cpuSeconds() > 0 && round.requests() > 0;
  }

  /** What a round cost: the node's CPU ms per request when measured, else the median latency in ms. */
  static double cost(CapacityReport.Step round) {
    return cpuMeasured(round) ? 1000 * round.cpuSeconds() / round.requests() : round.latency().p50Millis();
  }

  /** Whether the last of {@code rounds} (at least {@link #MIN_ROUNDS}) is no longer {@link #GAIN} cheaper than the cheapest before it. */
  static boolean settled(List<CapacityReport.Step> rounds) {
    if (rounds.size() < MIN_ROUNDS) {
      return false;
    }
    double cheapest = rounds.subList(0, rounds.size() - 1).stream().mapToDouble(WarmUp::cost).min().orElseThrow();
    return cost(rounds.get(rounds.size() - 1)) > (1 - GAIN) * cheapest;
  }

  /** One round as the search prints it. */
  static String describe(int number, CapacityReport.Step round) {
    String cost = cpuMeasured(round)
        ? String.format("node CPU %.2f ms per request", cost(round))
        : "node CPU not measured";
    return String.format("warm-up round %d at %.1f req/s: %s, p50 %.1f ms, p95 %.1f ms, %d shed",
        number, round.offeredPerSecond(), cost, round.latency().p50Millis(), round.latency().p95Millis(), round.shed());
  }
}

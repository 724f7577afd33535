package org.weltgewebe.scenarios.run;

import java.math.BigDecimal;

/**
 * What a run's requests on one route prove about its availability objective. A run is a sample: a
 * route at exactly 99.95 % fails at least once in 600 requests in a quarter of runs (0.3 failures
 * expected), and a route at only 99 % goes through 20 requests without a failure in four runs of
 * five. So the objective is judged by an exact one-sided binomial test at {@link #CONFIDENCE}, with
 * the allowed failure ratio p₀ = 1 − objective and X ~ Binomial(n requests, p₀):
 *
 * <ul>
 *   <li><b>missed</b> when P(X ≥ failures) ≤ 1 − confidence: a route at its objective (or better)
 *       fails this often in at most 5 % of runs;
 *   <li><b>met</b> when P(X ≤ failures) ≤ 1 − confidence: a route at its objective (or worse)
 *       fails this rarely in at most 5 % of runs, so the sample would have caught a violation;
 *   <li>otherwise <b>not judged</b>: the failures are consistent with the objective, but too few
 *       requests were made to tell.
 * </ul>
 *
 * <p>Equivalently: missed when the one-sided Clopper–Pearson upper bound of the availability is at
 * most the objective, met when its lower bound is at least the objective. Both cannot hold at once
 * (their two tail chances add up to more than 1). Without failures a verdict of met needs
 * n ≥ ln(1 − confidence) / ln(1 − p₀) requests: 5,990 for 99.95 %, 2,995 for 99.9 %, 598 for 99.5 %.
 *
 * <p>The tail sums are exact: the terms of the binomial distribution are summed in log space, so
 * that (1 − p₀)ⁿ does not underflow at millions of requests.
 */
final class AvailabilityEvidence {
  /** How sure a verdict must be, either way; 1 − confidence is the chance it is wrong at the objective. */
  static final double CONFIDENCE = 0.95;
  private static final double ERROR_CHANCE = 1 - CONFIDENCE;

  private final double allowedFailureRatio;

  /** @param objectivePercent the availability objective in per cent, above 0 and below 100 */
  AvailabilityEvidence(BigDecimal objectivePercent) {
    if (objectivePercent.signum() <= 0 || objectivePercent.compareTo(BigDecimal.valueOf(100)) >= 0) {
      throw new IllegalArgumentException(
          "an availability objective must lie between 0 and 100 % (no sample proves 100 %), not " + objectivePercent.toPlainString() + " %");
    }
    // from the decimal, so that 99.95 gives exactly 0.0005 and not 1 − 0.9995 in binary
    this.allowedFailureRatio = BigDecimal.valueOf(100).subtract(objectivePercent).movePointLeft(2).doubleValue();
  }

  /** Whether {@code failures} of {@code requests} are implausible for a route that meets its objective. */
  boolean missed(long requests, long failures) {
    return chanceOfAtLeast(requests, failures) <= ERROR_CHANCE;
  }

  /** Whether {@code failures} of {@code requests} are implausible for a route that misses its objective. */
  boolean met(long requests, long failures) {
    return chanceOfAtMost(requests, failures) <= ERROR_CHANCE;
  }

  /** The fewest failures that miss the objective in {@code requests} (at least 1); above {@code requests} when none would. */
  long failuresToMiss(long requests) {
    // 0 never misses (P(X ≥ 0) = 1); requests + 1 misses by convention: no such number of failures exists
    return least(0, requests + 1, failures -> missed(requests, failures));
  }

  /** The fewest requests in which {@code failures} failures meet the objective. */
  long requestsToMeet(long failures) {
    long low = failures; // P(X ≤ failures) = 1 while requests ≤ failures
    long high = Math.max(failures + 1, (long) Math.ceil((failures + 1) / allowedFailureRatio));
    while (!met(high, failures)) {
      low = high;
      high *= 2;
    }
    return least(low, high, requests -> met(requests, failures));
  }

  /** The least n in (low, high] for which the monotone {@code holds} is true, given it is false at low and true at high. */
  private static long least(long low, long high, java.util.function.LongPredicate holds) {
    while (high - low > 1) {
      long mid = low + (high - low) / 2;
      if (holds.test(mid)) {
        high = mid;
      } else {
        low = mid;
      }
    }
    return high;
  }

  /** P(X ≥ failures): the chance that a route exactly at its objective fails at least this often. */
  double chanceOfAtLeast(long requests, long failures) {
    return failures <= 0 ? 1 : 1 - chanceOfAtMost(requests, failures - 1);
  }

  /** P(X ≤ failures): the chance that a route exactly at its objective fails at most this often. */
  double chanceOfAtMost(long requests, long failures) {
    if (failures < 0) {
      return 0;
    }
    if (failures >= requests) {
      return 1;
    }
    double logStay = Math.log1p(-allowedFailureRatio);
    double logOdds = Math.log(allowedFailureRatio) - logStay;
    double logTerm = requests * logStay; // ln P(X = 0)
    double largest = logTerm;
    double scaledSum = 1; // Σ exp(ln P(X = k) − largest)
    for (long k = 1; k <= failures; k++) {
      logTerm += Math.log((double) (requests - k + 1) / k) + logOdds;
      if (logTerm > largest) {
        scaledSum = scaledSum * Math.exp(largest - logTerm) + 1;
        largest = logTerm;
      } else {
        scaledSum += Math.exp(logTerm - largest);
      }
    }
    return Math.min(1, Math.exp(largest + Math.log(scaledSum)));
  }
}

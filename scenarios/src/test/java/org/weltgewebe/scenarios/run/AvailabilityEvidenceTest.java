package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * The exact binomial test behind the availability verdict, at its boundaries. The expected
 * figures were computed independently with 60-digit arithmetic (mpmath) and checked with SciPy's
 * {@code binom.cdf}.
 */
class AvailabilityEvidenceTest {
  private static final AvailabilityEvidence CRITICAL = new AvailabilityEvidence(new BigDecimal("99.95"));
  private static final AvailabilityEvidence ORDINARY = new AvailabilityEvidence(new BigDecimal("99.9"));
  private static final AvailabilityEvidence CDN = new AvailabilityEvidence(new BigDecimal("99.5"));

  @Test
  void theTailChancesAreExact() {
    assertThat(CRITICAL.chanceOfAtLeast(600, 1)).isCloseTo(0.25923735712734786, within(1e-14));
    assertThat(CRITICAL.chanceOfAtMost(600, 2)).isCloseTo(0.9964146711843755, within(1e-14));
    assertThat(CRITICAL.chanceOfAtLeast(600, 5)).isCloseTo(1.555480936633402e-5, withinPercentage(1e-6));
    assertThat(CRITICAL.chanceOfAtLeast(600, 0)).isEqualTo(1);
    assertThat(CRITICAL.chanceOfAtMost(600, 600)).isEqualTo(1);
  }

  @Test
  void millionsOfRequestsDoNotUnderflow() {
    // (1 − 0.0005)^2,000,000 = e^−1000 is below the smallest double
    assertThat(CRITICAL.chanceOfAtMost(2_000_000, 1000)).isCloseTo(0.5084093674314419, within(1e-10));
    assertThat(CRITICAL.requestsToMeet(1000)).isEqualTo(2_107_180);
    assertThat(CRITICAL.failuresToMiss(2_000_000)).isEqualTo(1053);
  }

  @Test
  void withoutFailuresAVerdictOfMetNeedsAboutThreeOverTheAllowedRatio() {
    // n ≥ ln 0.05 / ln(1 − p₀): 5,989.97, 2,994.2 and 597.6
    assertThat(CRITICAL.requestsToMeet(0)).isEqualTo(5990);
    assertThat(ORDINARY.requestsToMeet(0)).isEqualTo(2995);
    assertThat(CDN.requestsToMeet(0)).isEqualTo(598);
    assertThat(CRITICAL.met(5989, 0)).as("P(X = 0) = 0.050024").isFalse();
    assertThat(CRITICAL.met(5990, 0)).as("P(X = 0) = 0.049999").isTrue();
    assertThat(CDN.met(597, 0)).isFalse();
    assertThat(CDN.met(598, 0)).isTrue();
  }

  @Test
  void eachFailureRaisesTheRequestsAVerdictOfMetNeeds() {
    assertThat(CRITICAL.requestsToMeet(1)).isEqualTo(9486);
    assertThat(CRITICAL.requestsToMeet(2)).isEqualTo(12590);
    assertThat(ORDINARY.requestsToMeet(1)).isEqualTo(4742);
    assertThat(CDN.requestsToMeet(1)).isEqualTo(947);
    assertThat(CRITICAL.met(9485, 1)).isFalse();
    assertThat(CRITICAL.met(9486, 1)).isTrue();
  }

  @Test
  void oneFailureMissesNinetyNinePointNineFiveOnlyInFewerThanAHundredAndThreeRequests() {
    // P(X ≥ 1) = 1 − 0.9995^n: 0.04973 at 102, 0.05021 at 103
    assertThat(CRITICAL.missed(20, 1)).isTrue();
    assertThat(CRITICAL.missed(102, 1)).isTrue();
    assertThat(CRITICAL.missed(103, 1)).isFalse();
    assertThat(CRITICAL.missed(600, 1)).as("0.3 failures expected: one is no evidence").isFalse();
  }

  @Test
  void inSixHundredRequestsTwoFailuresMissNinetyNinePointNineFive() {
    assertThat(CRITICAL.failuresToMiss(600)).isEqualTo(2);
    assertThat(CRITICAL.missed(600, 2)).as("P(X ≥ 2) = 0.0369").isTrue();
    assertThat(CRITICAL.missed(600, 5)).isTrue();
    assertThat(CRITICAL.missed(711, 2)).isTrue();
    assertThat(CRITICAL.missed(712, 2)).isFalse();
    assertThat(ORDINARY.failuresToMiss(600)).isEqualTo(3);
    assertThat(CDN.failuresToMiss(600)).isEqualTo(7);
    assertThat(CRITICAL.failuresToMiss(6000)).isEqualTo(7);
    assertThat(CDN.failuresToMiss(6000)).isEqualTo(40);
  }

  @Test
  void noRequestsCanMissNothing() {
    assertThat(CRITICAL.missed(0, 0)).isFalse();
    assertThat(CRITICAL.met(0, 0)).isFalse();
    assertThat(CRITICAL.failuresToMiss(0)).as("more than the requests: none would").isEqualTo(1);
  }

  @Test
  void aRouteIsNeverBothMetAndMissed() {
    for (long requests = 0; requests <= 3000; requests += 7) {
      for (long failures = 0; failures <= 12 && failures <= requests; failures++) {
        assertThat(CDN.met(requests, failures) && CDN.missed(requests, failures)).as("%d of %d", failures, requests).isFalse();
      }
    }
  }

  @Test
  void anObjectiveOfAHundredPerCentCannotBeJudged() {
    assertThatThrownBy(() -> new AvailabilityEvidence(new BigDecimal("100")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no sample proves 100 %");
    assertThatThrownBy(() -> new AvailabilityEvidence(BigDecimal.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}

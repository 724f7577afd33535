package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.scenarios.run.CapacitySteps.rerun;
import static org.weltgewebe.scenarios.run.CapacitySteps.step;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Kneedle on step p95 against offered rate. */
class LatencyKneeTest {

  @Test
  void theKneeIsTheRateFurthestBelowTheChordOfTheScaledCurve() {
    // scaled x − y: 0, 0.120, 0.301, 0.491, 0 — the largest at 33.75 req/s
    var knee = LatencyKnee.of(List.of(
        step(10, true, 5), step(15, true, 5.2), step(22.5, true, 5.5), step(33.75, true, 12), step(50.625, false, 80)));
    assertThat(knee.perSecond()).hasValue(33.75);
    assertThat(knee.explanation()).startsWith("Kneedle: 33.8 req/s");
  }

  @Test
  void aLongFlatCurveHasItsKneeWhereLatencyTakesOff() {
    // scaled x − y: 0, 0.032, 0.096, 0.224, 0.455, 0 — the largest at 160 req/s
    var knee = LatencyKnee.of(List.of(
        step(10, true, 4), step(20, true, 4), step(40, true, 5), step(80, true, 6), step(160, true, 30), step(320, false, 900)));
    assertThat(knee.perSecond()).hasValue(160);
  }

  @Test
  void aNoisyFirstRunIsReplacedByItsRerun() {
    var knee = LatencyKnee.of(List.of(
        step(10, true, 5), step(15, true, 5.2), step(22.5, false, 400), rerun(22.5, true, 5.5), step(33.75, true, 12),
        step(50.625, false, 80)));
    assertThat(knee.perSecond()).hasValue(33.75);
  }

  @Test
  void aCurveThatDoesNotDoubleHasNoKnee() {
    var knee = LatencyKnee.of(List.of(step(10, true, 5), step(20, true, 6), step(40, true, 7), step(80, true, 9.9)));
    assertThat(knee.perSecond()).isEmpty();
    assertThat(knee.explanation()).contains("below 2x its lowest-load value");
  }

  @Test
  void twoLevelsAreTooFewForAKnee() {
    var knee = LatencyKnee.of(List.of(step(10, true, 5), step(20, false, 500)));
    assertThat(knee.perSecond()).isEmpty();
    assertThat(knee.explanation()).contains("Kneedle needs 3");
  }

  @Test
  void aConcaveCurveHasNoKnee() {
    // latency jumps at once and then flattens: every point lies above the chord
    var knee = LatencyKnee.of(List.of(step(10, true, 5), step(20, true, 80), step(30, true, 90), step(40, true, 95)));
    assertThat(knee.perSecond()).isEmpty();
    assertThat(knee.explanation()).contains("not convex");
  }
}

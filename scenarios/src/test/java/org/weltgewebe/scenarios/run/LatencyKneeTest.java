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
    assertThat(knee.explanation()).contains("below 2x its lowest value");
  }

  @Test
  void twoLevelsAreTooFewForAKnee() {
    var knee = LatencyKnee.of(List.of(step(10, true, 5), step(20, false, 500)));
    assertThat(knee.perSecond()).isEmpty();
    assertThat(knee.explanation()).contains("Kneedle needs 3");
  }

  @Test
  void aSlowFirstStepOnABusyMachineDoesNotHideTheKnee() {
    // 300 ms at 10 req/s is a neighbour's build; from 15 req/s (20 ms) on, scaled x − y:
    // 0, 0.075, 0.187, 0.349, 0.571, 0 — the knee at 75.9 req/s
    var knee = LatencyKnee.of(List.of(
        step(10, false, 300), rerun(10, true, 300), step(15, true, 20), step(22.5, true, 21), step(33.75, true, 22),
        step(50.625, true, 30), step(75.9375, true, 60), step(113.90625, false, 900)));
    assertThat(knee.perSecond()).hasValue(75.9375);
  }

  @Test
  void aCurveThatIsLowestAtItsHighestRateHasNoKnee() {
    // latency fell as the neighbours went quiet: nothing is left after the lowest p95
    var knee = LatencyKnee.of(List.of(step(10, true, 300), step(15, true, 200), step(22.5, true, 20)));
    assertThat(knee.perSecond()).isEmpty();
    assertThat(knee.explanation()).contains("1 load level(s) from the lowest p95 on");
  }

  @Test
  void aKneeAtTheHighestRateIsNoKnee() {
    // a noise spike at 22.5 req/s, flat after it: the largest x − y is the last point
    var knee = LatencyKnee.of(List.of(
        step(10, true, 20), step(15, true, 25), step(22.5, true, 70), step(33.75, true, 22), step(50.625, true, 24)));
    assertThat(knee.perSecond()).isEmpty();
    assertThat(knee.explanation()).contains("had not taken off");
  }

  @Test
  void aConcaveCurveHasNoKnee() {
    // latency jumps at once and then flattens: every point lies above the chord
    var knee = LatencyKnee.of(List.of(step(10, true, 5), step(20, true, 80), step(30, true, 90), step(40, true, 95)));
    assertThat(knee.perSecond()).isEmpty();
    assertThat(knee.explanation()).contains("not convex");
  }
}

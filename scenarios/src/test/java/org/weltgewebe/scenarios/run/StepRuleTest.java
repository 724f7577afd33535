package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.scenarios.run.CapacitySteps.rerun;
import static org.weltgewebe.scenarios.run.CapacitySteps.step;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.CapacityReport;

/** The stop rule: a break is believed only when the same rate breaks twice in a row. */
class StepRuleTest {

  @Test
  void aMetStepStepsUpUntilTheNextRateWouldPassTheMaximum() {
    assertThat(StepRule.next(List.of(step(10, true, 5)), 1.5, 100, 1)).isEqualTo(StepRule.Next.STEP_UP);
    assertThat(StepRule.next(List.of(step(10, true, 5), step(15, true, 5)), 1.5, 22.5, 1)).isEqualTo(StepRule.Next.STEP_UP);
    assertThat(StepRule.next(List.of(step(10, true, 5), step(15, true, 5)), 1.5, 22.4, 1)).isEqualTo(StepRule.Next.STOP);
  }

  @Test
  void aSingleBrokenStepIsRunAgainAtTheSameRate() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, false, 90));
    assertThat(StepRule.next(steps, 1.5, 1000, 1)).isEqualTo(StepRule.Next.REPEAT);
    assertThat(StepRule.confirmsBreak(steps)).isFalse();
  }

  @Test
  void aBreakAtTheSameRateTwiceStopsTheSearchAndTheRateBelowIsSustainable() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, true, 6), step(22.5, false, 90), rerun(22.5, false, 120));
    assertThat(StepRule.next(steps, 1.5, 1000, 1)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.confirmsBreak(steps)).isTrue();
    assertThat(StepRule.sustainable(steps)).hasValue(15);
  }

  @Test
  void aNoisyBreakWhoseRerunMeetsLetsTheSearchGoOnAndCountsTheRate() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, false, 300), rerun(15, true, 6));
    assertThat(StepRule.next(steps, 1.5, 1000, 1)).isEqualTo(StepRule.Next.STEP_UP);
    List<CapacityReport.Step> later = List.of(
        step(10, true, 5), step(15, false, 300), rerun(15, true, 6), step(22.5, true, 7), step(33.75, false, 80), rerun(33.75, false, 95));
    assertThat(StepRule.next(later, 1.5, 1000, 1)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.sustainable(later)).hasValue(22.5);
  }

  @Test
  void twoBreaksAtDifferentRatesAreNotABreakConfirmed() {
    // the re-run of 15 met, 22.5 broke once: 22.5 is run again, not the end
    List<CapacityReport.Step> steps = List.of(step(15, false, 300), rerun(15, true, 6), step(22.5, false, 90));
    assertThat(StepRule.next(steps, 1.5, 1000, 1)).isEqualTo(StepRule.Next.REPEAT);
  }

  @Test
  void whenEvenTheFirstRateBreaksTwiceNothingIsSustainable() {
    List<CapacityReport.Step> steps = List.of(step(10, false, 400), rerun(10, false, 380));
    assertThat(StepRule.next(steps, 1.5, 1000, 1)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.sustainable(steps)).isEmpty();
  }

  @Test
  void theLatestRunAtEachRateStandsForIt() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, false, 300), rerun(15, true, 6), step(22.5, true, 7));
    assertThat(StepRule.latestPerRate(steps)).extracting(CapacityReport.Step::offeredPerSecond).containsExactly(10.0, 15.0, 22.5);
    assertThat(StepRule.latestPerRate(steps).get(1).latency().p95Millis()).isEqualTo(6);
  }

  @Test
  void aConfirmedBreakIsRefinedByGeometricMiddlesUntilTheGapIsAtMostTheResolution() {
    List<CapacityReport.Step> steps = new java.util.ArrayList<>(List.of(step(100, true, 5), step(140, false, 90), rerun(140, false, 95)));
    // without refining the break ends the search, as before
    assertThat(StepRule.next(steps, 1.4, 1000, 1)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.next(steps, 1.4, 1000, 1.1)).isEqualTo(StepRule.Next.REFINE);
    assertThat(StepRule.refineRate(steps, 1.1).getAsDouble()).isCloseTo(Math.sqrt(100 * 140), org.assertj.core.data.Offset.offset(1e-9));

    // the middle (118.3) holds: the gap is now 118.3..140 = 1.18, still above 1.1, so the next middle lies above it
    steps.add(step(Math.sqrt(100 * 140), true, 7));
    assertThat(StepRule.next(steps, 1.4, 1000, 1.1)).isEqualTo(StepRule.Next.REFINE);
    double second = StepRule.refineRate(steps, 1.1).getAsDouble();
    assertThat(second).isCloseTo(Math.sqrt(Math.sqrt(100 * 140) * 140), org.assertj.core.data.Offset.offset(1e-9));

    // it breaks once: run again, as any step; it breaks again: it is the lowest break now, and the gap 1.088 is fine
    steps.add(step(second, false, 80));
    assertThat(StepRule.next(steps, 1.4, 1000, 1.1)).isEqualTo(StepRule.Next.REPEAT);
    steps.add(rerun(second, false, 85));
    assertThat(StepRule.lowestBreak(steps)).hasValue(second);
    assertThat(StepRule.next(steps, 1.4, 1000, 1.1)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.sustainable(steps).getAsDouble()).isCloseTo(Math.sqrt(100 * 140), org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void aRefinedMiddleThatBreaksOnceAndThenHoldsCountsAsHeld() {
    double middle = Math.sqrt(100 * 140);
    List<CapacityReport.Step> steps = List.of(
        step(100, true, 5), step(140, false, 90), rerun(140, false, 95), step(middle, false, 300), rerun(middle, true, 8));
    assertThat(StepRule.next(steps, 1.4, 1000, 1.1)).isEqualTo(StepRule.Next.REFINE);
    assertThat(StepRule.refineRate(steps, 1.1).getAsDouble()).isGreaterThan(middle).isLessThan(140);
    assertThat(StepRule.lowestBreak(steps)).hasValue(140);
  }

  @Test
  void nothingIsRefinedBelowAFirstRateThatBrokeTwiceNorAboveTheMaximum() {
    List<CapacityReport.Step> first = List.of(step(10, false, 400), rerun(10, false, 380));
    assertThat(StepRule.next(first, 1.4, 1000, 1.1)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.refineRate(first, 1.1)).isEmpty();
    // a search that reached --max without a break has nothing to refine
    List<CapacityReport.Step> held = List.of(step(10, true, 5), step(14, true, 5));
    assertThat(StepRule.next(held, 1.4, 15, 1.1)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.refineRate(held, 1.1)).isEmpty();
  }
}

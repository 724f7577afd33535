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
    assertThat(StepRule.next(List.of(step(10, true, 5)), 1.5, 100)).isEqualTo(StepRule.Next.STEP_UP);
    assertThat(StepRule.next(List.of(step(10, true, 5), step(15, true, 5)), 1.5, 22.5)).isEqualTo(StepRule.Next.STEP_UP);
    assertThat(StepRule.next(List.of(step(10, true, 5), step(15, true, 5)), 1.5, 22.4)).isEqualTo(StepRule.Next.STOP);
  }

  @Test
  void aSingleBrokenStepIsRunAgainAtTheSameRate() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, false, 90));
    assertThat(StepRule.next(steps, 1.5, 1000)).isEqualTo(StepRule.Next.REPEAT);
    assertThat(StepRule.confirmsBreak(steps)).isFalse();
  }

  @Test
  void aBreakAtTheSameRateTwiceStopsTheSearchAndTheRateBelowIsSustainable() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, true, 6), step(22.5, false, 90), rerun(22.5, false, 120));
    assertThat(StepRule.next(steps, 1.5, 1000)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.confirmsBreak(steps)).isTrue();
    assertThat(StepRule.sustainable(steps)).hasValue(15);
  }

  @Test
  void aNoisyBreakWhoseRerunMeetsLetsTheSearchGoOnAndCountsTheRate() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, false, 300), rerun(15, true, 6));
    assertThat(StepRule.next(steps, 1.5, 1000)).isEqualTo(StepRule.Next.STEP_UP);
    List<CapacityReport.Step> later = List.of(
        step(10, true, 5), step(15, false, 300), rerun(15, true, 6), step(22.5, true, 7), step(33.75, false, 80), rerun(33.75, false, 95));
    assertThat(StepRule.next(later, 1.5, 1000)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.sustainable(later)).hasValue(22.5);
  }

  @Test
  void twoBreaksAtDifferentRatesAreNotABreakConfirmed() {
    // the re-run of 15 met, 22.5 broke once: 22.5 is run again, not the end
    List<CapacityReport.Step> steps = List.of(step(15, false, 300), rerun(15, true, 6), step(22.5, false, 90));
    assertThat(StepRule.next(steps, 1.5, 1000)).isEqualTo(StepRule.Next.REPEAT);
  }

  @Test
  void whenEvenTheFirstRateBreaksTwiceNothingIsSustainable() {
    List<CapacityReport.Step> steps = List.of(step(10, false, 400), rerun(10, false, 380));
    assertThat(StepRule.next(steps, 1.5, 1000)).isEqualTo(StepRule.Next.STOP);
    assertThat(StepRule.sustainable(steps)).isEmpty();
  }

  @Test
  void theLatestRunAtEachRateStandsForIt() {
    List<CapacityReport.Step> steps = List.of(step(10, true, 5), step(15, false, 300), rerun(15, true, 6), step(22.5, true, 7));
    assertThat(StepRule.latestPerRate(steps)).extracting(CapacityReport.Step::offeredPerSecond).containsExactly(10.0, 15.0, 22.5);
    assertThat(StepRule.latestPerRate(steps).get(1).latency().p95Millis()).isEqualTo(6);
  }
}

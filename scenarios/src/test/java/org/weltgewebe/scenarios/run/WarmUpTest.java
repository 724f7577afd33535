package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.CapacityReport;
import org.weltgewebe.reports.RunReport;

/** When the capacity search's warm-up stops holding its rate. */
class WarmUpTest {

  /** A 20-s round at 300 req/s (6,000 requests) in which the node spent {@code cpuMillis} per request; median latency {@code p50}. */
  private static CapacityReport.Step round(double cpuMillis, double p50) {
    RunReport.Latency latency = new RunReport.Latency(p50, p50 * 2, p50 * 3, p50 * 4, p50 * 5, p50);
    return new CapacityReport.Step(300, 300, 300, 6000, 6000, 0, 0, 0, latency, cpuMillis * 6, 0, 2, true, List.of(), List.of(), 20,
        false, List.of());
  }

  @Test
  void itGoesOnWhileEachRoundIsAtLeastFivePercentCheaperThanTheCheapestBefore() {
    assertThat(WarmUp.settled(List.of(round(3.0, 9)))).isFalse(); // nothing to compare with yet
    assertThat(WarmUp.settled(List.of(round(3.0, 9), round(2.0, 6)))).isFalse(); // a third cheaper: still compiling
    assertThat(WarmUp.settled(List.of(round(3.0, 9), round(2.0, 6), round(1.89, 6)))).isFalse(); // 5.5 % cheaper: goes on
    assertThat(WarmUp.settled(List.of(round(3.0, 9), round(2.0, 6), round(1.89, 6), round(1.88, 6)))).isTrue(); // 0.5 %
    assertThat(WarmUp.settled(List.of(round(3.0, 9), round(2.0, 6), round(1.91, 6)))).isTrue(); // 4.5 %: no longer 5 %
  }

  @Test
  void aDearerRoundIsComparedWithTheCheapestNotTheLast() {
    // a noisy round (2.4) must not make the next one (2.1, dearer than the best 2.0) look like progress
    assertThat(WarmUp.settled(List.of(round(3.0, 9), round(2.0, 6), round(2.4, 7)))).isTrue();
    assertThat(WarmUp.settled(List.of(round(3.0, 9), round(2.0, 6), round(2.4, 7), round(1.8, 5)))).isFalse();
  }

  @Test
  void withoutTheNodesCpuTheMedianLatencyDecides() {
    assertThat(WarmUp.cost(round(0, 9))).isEqualTo(9);
    assertThat(WarmUp.cost(round(1.5, 9))).isEqualTo(1.5, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(WarmUp.settled(List.of(round(0, 9), round(0, 6)))).isFalse();
    assertThat(WarmUp.settled(List.of(round(0, 9), round(0, 6), round(0, 5.9)))).isTrue();
    assertThat(WarmUp.describe(1, round(0, 9))).contains("node CPU not measured");
    assertThat(WarmUp.describe(2, round(1.5, 9))).contains("node CPU 1.50 ms per request");
  }

  @Test
  void aRoundIsTwentySecondsOrTheWholeMaximumWhenThatIsShorter() {
    assertThat(WarmUp.round(Duration.ofSeconds(300))).isEqualTo(Duration.ofSeconds(20));
    assertThat(WarmUp.round(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(4));
  }
}

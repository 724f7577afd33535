package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.RunReport;

/** A step's latency from its routes' percentiles. */
class MixedLatencyTest {

  private static final RunReport.Latency FAST = new RunReport.Latency(2, 4, 5, 8, 10, 2.5);
  private static final RunReport.Latency SLOW = new RunReport.Latency(20, 40, 50, 80, 100, 25);

  @Test
  void oneRouteKeepsItsOwnPercentiles() {
    RunReport.Latency l = MixedLatency.of(List.of(new MixedLatency.Part(100, FAST)));
    assertThat(l.p50Millis()).isCloseTo(2, within(1e-6));
    assertThat(l.p90Millis()).isCloseTo(4, within(1e-6));
    assertThat(l.p95Millis()).isCloseTo(5, within(1e-6));
    assertThat(l.p99Millis()).isCloseTo(8, within(1e-6));
    assertThat(l.maxMillis()).isEqualTo(10);
    assertThat(l.meanMillis()).isEqualTo(2.5);
  }

  @Test
  void routesMixByTheirRequests() {
    // 90 fast requests (all ≤ 10 ms) and 10 slow ones, F(x) = 0.9 F_fast(x) + 0.1 F_slow(x):
    // 95 % = all 90 fast + half the slow ones: the slow route's median
    RunReport.Latency l = MixedLatency.of(List.of(new MixedLatency.Part(90, FAST), new MixedLatency.Part(10, SLOW)));
    assertThat(l.p95Millis()).isCloseTo(20, within(1e-6));
    // 99 % = all fast + 9 of the 10 slow: the slow route's p90
    assertThat(l.p99Millis()).isCloseTo(40, within(1e-6));
    // 90 %: between the fast route's p95 (5) and p99 (8), where 0.9 (0.95 + 0.04 (x − 5) / 3) + 0.1 x / 40 = 0.9
    assertThat(l.p90Millis()).isCloseTo(0.105 / 0.0145, within(1e-6));
    assertThat(l.maxMillis()).isEqualTo(100);
    assertThat(l.meanMillis()).isCloseTo((90 * 2.5 + 10 * 25) / 100.0, within(1e-9));
  }

  @Test
  void aRouteWithoutAnswersAddsNothing() {
    RunReport.Latency l = MixedLatency.of(List.of(new MixedLatency.Part(100, FAST), new MixedLatency.Part(0, new RunReport.Latency(0, 0, 0, 0, 0, 0))));
    assertThat(l.p95Millis()).isCloseTo(5, within(1e-6));
    assertThat(MixedLatency.of(List.of()).p95Millis()).isZero();
  }
}

package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-class admission model on hand-made capacity searches whose answers are known. */
class AdmissionQueueModelTest {
  private static final Instant T = Instant.parse("2026-12-05T16:00:00Z");

  /** A step of 75 % reads (mean latency {@code readMs}) and 25 % writes (mean {@code writeMs}), p95 {@code p95}. */
  private static CapacityReport.Step step(double offered, double goodput, double readMs, double writeMs, double p95, boolean met) {
    long n = Math.round(offered * 10);
    long reads = n * 3 / 4;
    long writes = n - reads;
    return new CapacityReport.Step(offered, goodput, goodput, n, n, 0, 0, 0, new RunReport.Latency(1, 2, p95, p95, p95, 1), 0, 0, 0, met,
        List.of(), List.of(
            new CapacityReport.RouteStep("GET", "/knots/{id}", reads, reads, 0, new RunReport.Latency(1, 2, 3, 4, 5, readMs)),
            new CapacityReport.RouteStep("POST", "/conversations/{id}/messages", writes, writes, 0,
                new RunReport.Latency(1, 2, 3, 4, 5, writeMs))), 10, false);
  }

  private static CapacityReport search(List<CapacityReport.Step> steps, double sustainable) {
    return new CapacityReport(1, "cap", T, T, "S1", "http://x", 1, 2, "vm, 2 cores", "test", 0, 10, steps, sustainable, sustainable, 0,
        "test", 0.6, List.of(), "test", "test", 0, 0);
  }

  @Test
  void servicesTimesComeFromTheLowerHalfOfTheMetStepsAndCapacityFromTheFirstClassToSaturate() {
    // fitted: the two lowest met steps (reads 2 ms, writes 40 ms); the higher ones are held out, their latencies ignored
    CapacityReport c = search(List.of(
        step(10, 10, 2, 40, 50, true), step(20, 20, 2, 40, 50, true),
        step(40, 40, 9, 90, 60, true), step(80, 80, 9, 90, 70, true), step(400, 200, 9, 900, 900, false)), 80);
    AdmissionQueueModel m = AdmissionQueueModel.of(c, 16, 10).orElseThrow();
    assertThat(m.fittedSteps()).isEqualTo(2);
    AdmissionQueueModel.ClassFit reads = m.classes().get(0);
    AdmissionQueueModel.ClassFit writes = m.classes().get(1);
    assertThat(reads.serviceMillis()).isCloseTo(2, within(1e-9));
    assertThat(writes.serviceMillis()).isCloseTo(40, within(1e-9));
    assertThat(writes.share()).isCloseTo(0.25, within(0.01));
    // writes: 10 servers × 25/s = 250/s of writes, a quarter of the mix -> 1,000 req/s; reads: 16 × 500 / 0.75 = 10,667
    assertThat(m.predictedCapacityPerSecond()).isCloseTo(10 * 25 / writes.share(), within(1e-6));
    assertThat(m.capacityError()).isCloseTo((m.predictedCapacityPerSecond() - 80) / 80, within(1e-9));
    assertThat(m.steps()).extracting(AdmissionQueueModel.StepCheck::fitted).containsExactly(true, true, false, false, false);
  }

  @Test
  void atLowLoadTheP95IsTheMixOfTwoExponentialsAndGoodputIsCappedAtCMu() {
    List<AdmissionQueueModel.ClassFit> one = List.of(new AdmissionQueueModel.ClassFit("writes", 1, 100, 1));
    // one class, one server: M/M/1, p95 = ln 20 / (μ − λ); μ = 10/s, λ = 5/s
    assertThat(AdmissionQueueModel.p95Millis(one, 5)).isCloseTo(1000 * Math.log(20) / 5, within(1e-6));
    // beyond c μ = 10/s the rest is shed and the answered ones have no finite model p95
    assertThat(AdmissionQueueModel.goodput(one, 30)).isCloseTo(10, within(1e-9));
    assertThat(AdmissionQueueModel.p95Millis(one, 30)).isInfinite();
    // two classes at negligible load: P(T > t) = ½ e^{−t/1ms} + ½ e^{−t/10ms} = 0.05, solved by hand at t ≈ 23.03 ms
    List<AdmissionQueueModel.ClassFit> two = List.of(
        new AdmissionQueueModel.ClassFit("reads", 0.5, 1, 1000), new AdmissionQueueModel.ClassFit("writes", 0.5, 10, 1000));
    double t = AdmissionQueueModel.p95Millis(two, 1e-6);
    assertThat(0.5 * Math.exp(-t) + 0.5 * Math.exp(-t / 10)).isCloseTo(0.05, within(1e-9));
    assertThat(t).isCloseTo(23.03, within(0.01));
  }

  @Test
  void theTableShowsEveryStepsErrorAndSaysPlainlyWhenOutsideFifteenPercent() {
    CapacityReport c = search(List.of(
        step(10, 10, 2, 40, 50, true), step(20, 20, 2, 40, 50, true), step(40, 40, 2, 40, 5, true), step(80, 80, 2, 40, 50, true)), 80);
    AdmissionQueueModel m = AdmissionQueueModel.of(c).orElseThrow();
    String md = m.markdown();
    assertThat(md).contains("| offered req/s | fit/held out | goodput predicted").contains("| 40.0 | held out |")
        .contains("OUTSIDE tolerance");
    AdmissionQueueModel.StepCheck at40 = m.steps().get(2);
    // a measured p95 of 5 ms against a predicted p95 near 50 ms is far outside ±15 %
    assertThat(at40.errorP95()).isGreaterThan(0.15);
    assertThat(at40.withinTolerance()).isFalse();
    assertThat(at40.errorGoodput()).isCloseTo(0, within(1e-9));
    assertThat(md.lines().filter(l -> l.contains("**no**")).count()).isGreaterThanOrEqualTo(1);
  }
}

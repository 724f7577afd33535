package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.weltgewebe.scenarios.run.CapacitySteps.step;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.CapacityReport;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.PeakHour;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.Scenarios;
import org.weltgewebe.scenarios.slo.SloRules;

/** How one step is judged from what the clients measured, and what the search derives from its steps. */
class CapacityStepTest {
  private static final ScenarioDefinition S3 = Scenarios.load("S3");
  private static final Judge JUDGE = new Judge(SloRules.readBuiltIn(), S3.errorBudget(), 0);
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  /** GET /knots/{id}: objective p95 ≤ 50 ms, p99 ≤ 250 ms, 99.9 % available. */
  private static RouteMeasure knotReads(long ok, long shed, double p95, double p99) {
    RunReport.Latency latency = new RunReport.Latency(p95 / 3, p95 * 0.8, p95, p99, p99, p95 / 3);
    return new RouteMeasure("step-01", "GET", "/knots/{id}", ok + shed, ok, 0, shed, 0, 0, ok * 2000, latency, latency,
        new RunReport.Latency(1, 1, 1, 1, 1, 1));
  }

  @Test
  void theWarmUpClimbsToItsRateWithinStartAndMaxAndBadRatesAreRefused() {
    assertThat(CapacityFinder.warmupTop(options(10, 2000, 300))).isEqualTo(300);
    assertThat(CapacityFinder.warmupTop(options(10, 100, 300))).isEqualTo(100); // never above --max
    assertThat(CapacityFinder.warmupTop(options(50, 2000, 20))).isEqualTo(50); // never below --start
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> options(10, 2000, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--warmup-rate");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> options(10, 2000, 300, 0.9))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--resolution");
  }

  private static CapacityFinder.Options options(double start, double max, double warmupRate) {
    return options(start, max, warmupRate, 1.1);
  }

  private static CapacityFinder.Options options(double start, double max, double warmupRate, double resolution) {
    return new CapacityFinder.Options("S1", java.util.Optional.of(java.net.URI.create("http://127.0.0.1:1")), java.util.OptionalInt.empty(),
        java.util.OptionalInt.empty(), start, 1.4, max, resolution, Duration.ofSeconds(25), Duration.ofSeconds(60), warmupRate,
        Duration.ofSeconds(300), Duration.ZERO, 0.6, "CAP-S1-test", java.nio.file.Path.of("reports"), 1, List.of(), java.util.Map.of(), java.util.Optional.empty());
  }

  @Test
  void aStepWithinEveryObjectiveIsMet() {
    CapacityReport.Step s = CapacityFinder.step(10, TEN_SECONDS, 10.0, 2.5, new HostCpu(7.5, 2), List.of(), false, List.of(knotReads(100, 0, 20, 40)), JUDGE);
    assertThat(s.met()).isTrue();
    assertThat(s.failures()).isEmpty();
    assertThat(s.achievedPerSecond()).isEqualTo(10.0);
    assertThat(s.goodputPerSecond()).isEqualTo(10.0);
    assertThat(s.cpuSeconds()).isEqualTo(2.5);
    // the whole machine beside the platform: 7.5 busy seconds of 2 cores
    assertThat(s.hostCpuSeconds()).isEqualTo(7.5);
    assertThat(s.hostCores()).isEqualTo(2);
    assertThat(s.latency().p95Millis()).isCloseTo(20, within(1e-6));
    assertThat(s.routes()).extracting(CapacityReport.RouteStep::route).containsExactly("/knots/{id}");
  }

  @Test
  void availabilityBreaksWhenTheShedRequestsMissTheObjectiveAtNinetyFivePercentConfidence() {
    // 1 shed of 100 against 99.9 %: a route exactly at its objective fails at least once in 100 requests 9.5 % of the time
    CapacityReport.Step one = CapacityFinder.step(10, TEN_SECONDS, 10.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(99, 1, 20, 40)), JUDGE);
    assertThat(one.met()).isTrue();
    assertThat(one.shed()).isEqualTo(1);
    // 2 of 100: 0.46 % of the time, so missed
    CapacityReport.Step two = CapacityFinder.step(10, TEN_SECONDS, 10.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(98, 2, 20, 40)), JUDGE);
    assertThat(two.met()).isFalse();
    assertThat(two.failures()).singleElement().asString().contains("availability 98.00 % < 99.90 %").contains("2 shed")
        .contains("missed at 95 % confidence");
  }

  @Test
  void aSlowP95BreaksOnlyWithFiveExpectedExceedancesAsARunsVerdictWants() {
    CapacityReport.Step few = CapacityFinder.step(10, TEN_SECONDS, 10.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(99, 0, 80, 90)), JUDGE);
    assertThat(few.met()).isTrue();
    CapacityReport.Step enough = CapacityFinder.step(10, TEN_SECONDS, 10.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(100, 0, 80, 90)), JUDGE);
    assertThat(enough.met()).isFalse();
    assertThat(enough.failures()).singleElement().asString().contains("p95 80.0 ms > 50 ms").doesNotContain("p99");
  }

  @Test
  void aSlowP99BreaksFromFiveHundredAnsweredRequests() {
    assertThat(CapacityFinder.step(50, TEN_SECONDS, 10.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(499, 0, 20, 300)), JUDGE).met()).isTrue();
    CapacityReport.Step s = CapacityFinder.step(50, TEN_SECONDS, 10.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(500, 0, 20, 300)), JUDGE);
    assertThat(s.failures()).singleElement().asString().contains("p99 300.0 ms > 250 ms");
  }

  @Test
  void aStepThatTakesLongerThanItsArrivalsBreaks() {
    // 100 requests sent in 10 s, the last answered 12 s after the first was due: 8.3/s < 0.9 × 10/s
    CapacityReport.Step s = CapacityFinder.step(10, TEN_SECONDS, 12.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(100, 0, 20, 40)), JUDGE);
    assertThat(s.met()).isFalse();
    assertThat(s.achievedPerSecond()).isCloseTo(100 / 12.0, within(1e-9));
    assertThat(s.failures()).singleElement().asString().startsWith("answered 8.3 req/s of 10.0 req/s sent");
    // 11 s is within 90 %
    assertThat(CapacityFinder.step(10, TEN_SECONDS, 11.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(100, 0, 20, 40)), JUDGE).met()).isTrue();
  }

  @Test
  void aStepThatEndsBeforeItsDurationCountsItsWholeDuration() {
    // Poisson arrivals: the last one can come before the step's end, and then all is answered early
    CapacityReport.Step s = CapacityFinder.step(10, TEN_SECONDS, 9.5, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(knotReads(100, 0, 20, 40)), JUDGE);
    assertThat(s.wallSeconds()).isEqualTo(10);
    assertThat(s.achievedPerSecond()).isEqualTo(10);
  }

  @Test
  void aStepWithoutRequestsIsNotMet() {
    CapacityReport.Step s = CapacityFinder.step(10, TEN_SECONDS, 10.0, 0, HostCpu.NOT_MEASURED, List.of(), false, List.of(), JUDGE);
    assertThat(s.met()).isFalse();
    assertThat(s.failures()).containsExactly("no request was measured");
  }

  @Test
  void marginalCpuIsTheSlopeOfCoresBusyOverRateAcrossTheStepsThatMet() {
    // cores busy = 0.2 idle + 4 ms per request: 0.24, 0.28, 0.36 at 10, 20, 40 req/s; the broken step is left out
    List<CapacityReport.Step> steps = List.of(
        step(10, true, 5, 10, 0.24 * 20, 20, false), step(20, true, 5, 20, 0.28 * 20, 20, false),
        step(40, true, 6, 40, 0.36 * 20, 20, false), step(80, false, 90, 70, 1.9 * 20, 20, false));
    assertThat(CapacityFinder.marginalCpuMillisPerRequest(steps)).isCloseTo(4.0, within(1e-9));
    assertThat(CapacityFinder.marginalCpuMillisPerRequest(steps.subList(0, 1))).isZero();
  }

  @Test
  void s3sPeakHourIsTheRushEvening() {
    // 20:00: diurnal weight 4.1 × rush 1.5 of a day's 46.7 → 200 × 6.15 / 46.7 sessions, 90.8019 API requests each
    // (90.8 before the self-governing steps: their 0.2019 requests per session replace 0.2 region views)
    PeakHour peak = PeakHour.of(S3);
    assertThat(peak.hour()).isEqualTo(20);
    assertThat(peak.sessions()).isCloseTo(200 * 6.15 / 46.7, within(1e-9));
    assertThat(peak.apiPerSession()).isCloseTo(90.8019, within(1e-9));
    assertThat(peak.apiPerSecond()).isCloseTo(200 * 6.15 / 46.7 * 90.8019 / 3600, within(1e-9));
    assertThat(peak.tilesPerSecond()).isCloseTo(200 * 6.15 / 46.7 * 500 / 3600, within(1e-9));
  }

  @Test
  void nodesNeededRoundUpAndAreAtLeastOne() {
    // S4's peak: 100,000 × 4.1 / 46.7 sessions × 90.8019 requests / 3,600 s = 221.4 req/s
    ScenarioDefinition s4 = Scenarios.load("S4");
    CapacityReport.ScenarioNeed s4Need = CapacityFinder.need(s4, false, 100, 0.6);
    assertThat(s4Need.peakRequestsPerSecond()).isCloseTo(100_000 * 4.1 / 46.7 * 90.8019 / 3600, within(1e-6));
    assertThat(s4Need.nodesExact()).isCloseTo(s4Need.peakRequestsPerSecond() / 60, within(1e-9));
    assertThat(s4Need.nodes()).isEqualTo(4);
    assertThat(s4Need.mixAsMeasured()).isFalse();
    // its whole day: 100,000 sessions of 90.8019 API requests (what a replay of the day sends)
    assertThat(s4Need.dayRequests()).isCloseTo(100_000 * 90.8019, within(1e-3));
    assertThat(CapacityFinder.need(S3, true, 100, 0.6).nodes()).isEqualTo(1);
  }
}

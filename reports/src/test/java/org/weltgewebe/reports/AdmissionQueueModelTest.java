package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stations' model (classes on their servers, the host's cores) on hand-made capacity searches whose answers are known. */
class AdmissionQueueModelTest {
  private static final Instant T = Instant.parse("2026-12-05T16:00:00Z");
  private static final AdmissionQueueModel.CpuStation NO_CPU = new AdmissionQueueModel.NoCpuStation("test");
  private static final double WALL = 10;

  /** A step of 75 % reads (mean latency {@code readMs}) and 25 % writes (mean {@code writeMs}), p95 {@code p95}; host CPU not measured. */
  private static CapacityReport.Step step(double offered, double goodput, double readMs, double writeMs, double p95, boolean met) {
    return step(offered, goodput, readMs, writeMs, p95, met, 0, 0);
  }

  /** The same with the host's {@code busyCores} of {@code cores} over the step's wall time. */
  private static CapacityReport.Step step(
      double offered, double goodput, double readMs, double writeMs, double p95, boolean met, double busyCores, int cores) {
    long n = Math.round(offered * WALL);
    long reads = n * 3 / 4;
    long writes = n - reads;
    return new CapacityReport.Step(offered, goodput, goodput, n, n, 0, 0, 0, new RunReport.Latency(1, 2, p95, p95, p95, 1), 0,
        busyCores * WALL, cores, met, List.of(), List.of(
            new CapacityReport.RouteStep("GET", "/knots/{id}", reads, reads, 0, new RunReport.Latency(1, 2, 3, 4, 5, readMs)),
            new CapacityReport.RouteStep("POST", "/conversations/{id}/messages", writes, writes, 0,
                new RunReport.Latency(1, 2, 3, 4, 5, writeMs))), WALL, false, List.of());
  }

  /** A step whose host keeps {@code backgroundCores} + {@code demandMillis} per answered request busy, of 2 cores. */
  private static CapacityReport.Step onTwoCores(double offered, double answered, double p95, boolean met, double backgroundCores, double demandMillis) {
    return step(offered, answered, 2, 40, p95, met, Math.min(2, backgroundCores + answered * demandMillis / 1000), 2);
  }

  private static CapacityReport search(List<CapacityReport.Step> steps, double sustainable) {
    return new CapacityReport(1, "cap", T, T, "S1", "http://x", 1, 2, "vm, 2 cores", "test", 0, 10, steps, sustainable, sustainable, 0,
        "test", 0.6, List.of(), "test", "test", 0, 0, List.of());
  }

  @Test
  void servicesTimesComeFromTheMetStepsUpToHalfTheHighestAndCapacityFromTheFirstClassToSaturate() {
    // fitted: the met steps at up to half of 80 req/s (reads 2 ms, writes 40 ms); the higher ones are held out, their latencies ignored
    CapacityReport c = search(List.of(
        step(10, 10, 2, 40, 50, true), step(20, 20, 2, 40, 50, true),
        step(50, 50, 9, 90, 60, true), step(80, 80, 9, 90, 70, true), step(400, 200, 9, 900, 900, false)), 80);
    AdmissionQueueModel m = AdmissionQueueModel.of(c, 16, 10).orElseThrow();
    assertThat(m.fittedSteps()).isEqualTo(2);
    AdmissionQueueModel.ClassFit reads = m.classes().get(0);
    AdmissionQueueModel.ClassFit writes = m.classes().get(1);
    assertThat(reads.serviceMillis()).isCloseTo(2, within(1e-9));
    assertThat(writes.serviceMillis()).isCloseTo(40, within(1e-9));
    assertThat(writes.share()).isCloseTo(0.25, within(0.01));
    // writes: 10 servers × 25/s = 250/s of writes, a quarter of the mix -> 1,000 req/s; reads: 16 × 500 / 0.75 = 10,667
    assertThat(m.predictedCapacityPerSecond()).isCloseTo(10 * 25 / writes.share(), within(1e-6));
    assertThat(m.limitedBy()).isEqualTo("writes on the database pool (10 servers)");
    assertThat(m.capacityError()).isCloseTo((m.predictedCapacityPerSecond() - 80) / 80, within(1e-9));
    assertThat(m.steps()).extracting(AdmissionQueueModel.StepCheck::fitted).containsExactly(true, true, false, false, false);
    // these steps carry no host CPU: no CPU station, and the host columns are empty
    assertThat(m.cpu()).isInstanceOf(AdmissionQueueModel.NoCpuStation.class);
    assertThat(m.steps().get(2).measuredHostBusyCores()).isNaN();
  }

  @Test
  void withOneStepUpToHalfTheHighestTheLowestTwoAreFittedAndOneIsAlwaysLeftToPredict() {
    CapacityReport sparse = search(List.of(step(10, 10, 2, 40, 50, true), step(100, 100, 2, 40, 50, true), step(110, 110, 2, 40, 50, true)), 110);
    assertThat(AdmissionQueueModel.of(sparse).orElseThrow().steps()).extracting(AdmissionQueueModel.StepCheck::fitted)
        .containsExactly(true, true, false);
    CapacityReport two = search(List.of(step(10, 10, 2, 40, 50, true), step(100, 100, 2, 40, 50, true)), 100);
    assertThat(AdmissionQueueModel.of(two).orElseThrow().steps()).extracting(AdmissionQueueModel.StepCheck::fitted)
        .containsExactly(true, false);
    // broken steps are never fitted, and the highest rate that held sets the half
    CapacityReport broken = search(List.of(step(10, 10, 2, 40, 50, true), step(20, 20, 2, 40, 50, true), step(30, 30, 2, 40, 50, true),
        step(60, 60, 2, 40, 50, true), step(200, 200, 2, 40, 50, false)), 60);
    assertThat(AdmissionQueueModel.of(broken).orElseThrow().steps()).extracting(AdmissionQueueModel.StepCheck::fitted)
        .containsExactly(true, true, true, false, false);
  }

  @Test
  void atLowLoadTheP95IsTheMixOfTwoExponentialsAndGoodputIsCappedAtCMu() {
    List<AdmissionQueueModel.ClassFit> one = List.of(new AdmissionQueueModel.ClassFit("writes", 1, 100, 1));
    // one class, one server: M/M/1, p95 = ln 20 / (μ − λ); μ = 10/s, λ = 5/s
    assertThat(AdmissionQueueModel.p95Millis(one, NO_CPU, 5)).isCloseTo(1000 * Math.log(20) / 5, within(1e-6));
    // beyond c μ = 10/s the rest is shed and the answered ones have no finite model p95
    assertThat(AdmissionQueueModel.goodput(one, NO_CPU, 30)).isCloseTo(10, within(1e-9));
    assertThat(AdmissionQueueModel.p95Millis(one, NO_CPU, 30)).isInfinite();
    // two classes at negligible load: P(T > t) = ½ e^{−t/1ms} + ½ e^{−t/10ms} = 0.05, solved by hand at t ≈ 23.03 ms
    List<AdmissionQueueModel.ClassFit> two = List.of(
        new AdmissionQueueModel.ClassFit("reads", 0.5, 1, 1000), new AdmissionQueueModel.ClassFit("writes", 0.5, 10, 1000));
    double t = AdmissionQueueModel.p95Millis(two, NO_CPU, 1e-6);
    assertThat(0.5 * Math.exp(-t) + 0.5 * Math.exp(-t / 10)).isCloseTo(0.05, within(1e-9));
    assertThat(t).isCloseTo(23.03, within(0.01));
    // a CPU station far from busy changes nothing
    assertThat(AdmissionQueueModel.p95Millis(two, new AdmissionQueueModel.CpuFit(2, 5, 0), 1e-6)).isCloseTo(t, within(1e-6));
  }

  @Test
  void theTableShowsEveryStepsErrorAndSaysPlainlyWhenOutsideFifteenPercent() {
    CapacityReport c = search(List.of(
        step(10, 10, 2, 40, 50, true), step(20, 20, 2, 40, 50, true), step(60, 60, 2, 40, 5, true), step(80, 80, 2, 40, 50, true)), 80);
    AdmissionQueueModel m = AdmissionQueueModel.of(c).orElseThrow();
    String md = m.markdown();
    assertThat(md).contains("| offered req/s | fit/held out | goodput predicted").contains("| 60.0 | held out |")
        .contains("OUTSIDE tolerance");
    AdmissionQueueModel.StepCheck at60 = m.steps().get(2);
    // a measured p95 of 5 ms (held out) against a predicted p95 near 50 ms (the fitted steps' level) is far outside ±15 %
    assertThat(at60.errorP95()).isGreaterThan(0.15);
    assertThat(at60.withinTolerance()).isFalse();
    assertThat(at60.errorGoodput()).isCloseTo(0, within(1e-9));
    assertThat(md.lines().filter(l -> l.endsWith("| NO |")).count()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void theHostCpuLimitsWhenItSaturatesBeforeTheClassStations() {
    // 5 ms of host CPU per answered request on 2 cores: the cores saturate at 400 req/s, the write pool at 1,000
    CapacityReport c = search(List.of(
        onTwoCores(25, 25, 20, true, 0, 5), onTwoCores(50, 50, 21, true, 0, 5), onTwoCores(100, 100, 22, true, 0, 5),
        onTwoCores(200, 200, 30, true, 0, 5), onTwoCores(300, 300, 45, true, 0, 5), onTwoCores(380, 380, 90, true, 0, 5),
        onTwoCores(500, 400, 300, false, 0, 5)), 380);
    AdmissionQueueModel m = AdmissionQueueModel.of(c).orElseThrow();
    assertThat(m.fittedSteps()).isEqualTo(3);
    AdmissionQueueModel.CpuFit cpu = (AdmissionQueueModel.CpuFit) m.cpu();
    assertThat(cpu.cores()).isEqualTo(2);
    assertThat(cpu.demandMillis()).isCloseTo(5, within(1e-9));
    assertThat(cpu.backgroundCores()).isCloseTo(0, within(1e-9));
    assertThat(m.predictedCapacityPerSecond()).isCloseTo(400, within(1e-6));
    assertThat(m.limitedBy()).isEqualTo("the host's CPU (2 cores)");
    // beyond the cores' capacity the goodput is theirs, and the model has no finite p95 there
    AdmissionQueueModel.StepCheck at500 = m.steps().get(6);
    assertThat(at500.predictedGoodputPerSecond()).isCloseTo(400, within(1e-6));
    assertThat(at500.errorGoodput()).isCloseTo(0, within(1e-9));
    assertThat(at500.predictedP95Millis()).isInfinite();
    assertThat(at500.predictedHostBusyCores()).isCloseTo(2, within(1e-9));
    // δ: the fitted steps' measured p95 minus the model's, weighted by answered requests, added to every prediction
    double weighted = 0;
    double weights = 0;
    for (int i = 0; i < 3; i++) {
      CapacityReport.Step s = c.steps().get(i);
      weighted += s.ok() * (s.latency().p95Millis() - AdmissionQueueModel.p95Millis(m.classes(), cpu, s.offeredPerSecond()));
      weights += s.ok();
    }
    assertThat(m.p95OffsetMillis()).isCloseTo(weighted / weights, within(1e-9));
    assertThat(m.steps().get(4).predictedP95Millis())
        .isCloseTo(AdmissionQueueModel.p95Millis(m.classes(), cpu, 300) + m.p95OffsetMillis(), within(1e-9));
    assertThat(m.markdown()).contains("| the host's CPU | 2 cores | 5.00 ms busy CPU per answered request, 0.00 cores busy without requests | 400.0 | limits |")
        .contains("limited by the host's CPU (2 cores)");
  }

  @Test
  void theBackgroundIsTheFittedLinesInterceptAndTakesCoresAway() {
    // the machine keeps 0.2 cores busy without requests, then 4 ms per request: (2 − 0.2) / 4 ms = 450 req/s
    CapacityReport c = search(List.of(
        onTwoCores(25, 25, 20, true, 0.2, 4), onTwoCores(50, 50, 20, true, 0.2, 4), onTwoCores(100, 100, 20, true, 0.2, 4),
        onTwoCores(200, 200, 20, true, 0.2, 4), onTwoCores(300, 300, 20, true, 0.2, 4), onTwoCores(400, 400, 20, true, 0.2, 4)), 400);
    AdmissionQueueModel m = AdmissionQueueModel.of(c).orElseThrow();
    AdmissionQueueModel.CpuFit cpu = (AdmissionQueueModel.CpuFit) m.cpu();
    assertThat(cpu.demandMillis()).isCloseTo(4, within(1e-9));
    assertThat(cpu.backgroundCores()).isCloseTo(0.2, within(1e-9));
    assertThat(m.predictedCapacityPerSecond()).isCloseTo(450, within(1e-6));
    // the held-out steps' host cores are predicted from the line, and measured beside it
    AdmissionQueueModel.StepCheck at300 = m.steps().get(4);
    assertThat(at300.predictedHostBusyCores()).isCloseTo(0.2 + 300 * 0.004, within(1e-9));
    assertThat(at300.measuredHostBusyCores()).isCloseTo(0.2 + 300 * 0.004, within(1e-9));
  }

  @Test
  void theP95RisesAsTheCoresFillAndIsSaturatedAtTheirCapacity() {
    List<AdmissionQueueModel.ClassFit> classes = List.of(
        new AdmissionQueueModel.ClassFit("reads", 0.75, 2, 16), new AdmissionQueueModel.ClassFit("writes", 0.25, 40, 10));
    AdmissionQueueModel.CpuFit cpu = new AdmissionQueueModel.CpuFit(2, 5, 0);
    double previous = 0;
    for (double rate : new double[] {50, 100, 200, 300, 350, 380, 395}) {
      double p95 = AdmissionQueueModel.p95Millis(classes, cpu, rate);
      assertThat(p95).as("p95 at %s req/s", rate).isGreaterThan(previous);
      previous = p95;
    }
    // at 95 % of the cores the wait for one dominates: far above the class stations' p95 alone
    assertThat(AdmissionQueueModel.p95Millis(classes, cpu, 380)).isGreaterThan(AdmissionQueueModel.p95Millis(classes, NO_CPU, 380) + 50);
    assertThat(AdmissionQueueModel.p95Millis(classes, cpu, 400)).isInfinite();
    assertThat(AdmissionQueueModel.goodput(classes, cpu, 600)).isCloseTo(400, within(1e-9));
  }

  @Test
  void theWaitForACoreAddsToTheClassResponseAsAnIndependentPhase() {
    // one class with servers to spare (no wait of its own), service 10 ms (μ = 100/s); one core, 5 ms per request, λ = 100/s:
    // the core is busy half the time, so W = 0 with ½ and exponential(1/5 ms − λ = 100/s) with ½ — the same rate as μ, so
    // P(T > t) = ½ e^{−μt} + ½ (1 + μt) e^{−μt}
    List<AdmissionQueueModel.ClassFit> one = List.of(new AdmissionQueueModel.ClassFit("writes", 1, 10, 1000));
    double t = AdmissionQueueModel.p95Millis(one, new AdmissionQueueModel.CpuFit(1, 5, 0), 100) / 1000;
    assertThat(Math.exp(-100 * t) * (1 + 50 * t)).isCloseTo(0.05, within(1e-9));
  }

  @Test
  void hostCpuThatDoesNotRiseWithTheRateGivesNoCpuStation() {
    CapacityReport c = search(List.of(
        step(25, 25, 2, 40, 20, true, 0.5, 2), step(50, 50, 2, 40, 20, true, 0.45, 2), step(100, 100, 2, 40, 20, true, 0.4, 2),
        step(200, 200, 2, 40, 20, true, 0.35, 2), step(300, 300, 2, 40, 20, true, 1.6, 2), step(400, 400, 2, 40, 20, true, 1.9, 2)), 400);
    AdmissionQueueModel m = AdmissionQueueModel.of(c).orElseThrow();
    assertThat(m.cpu()).isInstanceOfSatisfying(AdmissionQueueModel.NoCpuStation.class,
        none -> assertThat(none.reason()).contains("did not rise with the answered rate over the 4 fitted steps"));
    assertThat(m.limitedBy()).startsWith("writes");
  }

  @Test
  void aCapacityJsonWrittenBeforeHostCpuLoadsAndTheModelSaysItHasNoCpuStation() throws Exception {
    CapacityReport old = RunReports.readCapacity(
        Path.of(AdmissionQueueModelTest.class.getResource("/capacity/CAP-S1-before-host-cpu/capacity.json").toURI()));
    assertThat(old.steps()).hasSize(5).allSatisfy(s -> {
      assertThat(s.hostCpuSeconds()).isZero();
      assertThat(s.hostCores()).isZero();
    });
    AdmissionQueueModel m = AdmissionQueueModel.of(old).orElseThrow();
    assertThat(m.cpu()).isInstanceOfSatisfying(AdmissionQueueModel.NoCpuStation.class,
        none -> assertThat(none.reason()).startsWith("the search did not record the host's CPU"));
    assertThat(m.limitedBy()).startsWith("writes on the database pool");
    assertThat(m.markdown()).contains("Host CPU: the search did not record the host's CPU").doesNotContain("| the host's CPU |");
  }
}

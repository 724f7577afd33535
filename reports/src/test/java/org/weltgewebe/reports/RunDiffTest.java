package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A regression is flagged only beyond the noise the baseline's repeats show. */
class RunDiffTest {
  private final RunReport baseline = Fixtures.handMade();
  private final Prices prices = Fixtures.testPrices();

  private RunDiff.MetricChange metric(RunDiff diff, String name) {
    return diff.metrics().stream().filter(m -> m.metric().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aRunAgainstItselfHasNoRegression() {
    RunDiff diff = RunDiff.of(baseline, List.of(), baseline, prices, 0.6);
    assertThat(diff.regression()).isFalse();
    assertThat(diff.verdicts()).isEmpty();
    assertThat(diff.format()).contains("no regression beyond noise").contains("noise taken as 10 %");
  }

  @Test
  void withoutRepeatsTheNoiseFloorIsTenPercent() {
    RunDiff within = RunDiff.of(baseline, List.of(), Fixtures.scaledLatency(baseline, "B", 1.08), prices, 0.6);
    assertThat(within.regression()).isFalse();
    assertThat(metric(within, "GET /knots p95 ms").worse()).isTrue();
    RunDiff beyond = RunDiff.of(baseline, List.of(), Fixtures.scaledLatency(baseline, "B", 1.5), prices, 0.6);
    assertThat(beyond.regression()).isTrue();
    RunDiff.MetricChange p95 = metric(beyond, "GET /knots p95 ms");
    assertThat(p95.baseline()).isEqualTo(20.0);
    assertThat(p95.candidate()).isEqualTo(30.0);
    assertThat(p95.change()).isEqualTo(0.5);
    assertThat(p95.regression()).isTrue();
    assertThat(beyond.format()).contains("REGRESSION");
  }

  @Test
  void repeatsOfTheBaselineMeasureTheNoise() {
    // the baseline's repeats spread by 30 %: (26 − 20) / mean 23 = 26 %, so +20 % on the mean is noise ...
    RunReport repeat = Fixtures.scaledLatency(baseline, "A2", 1.3);
    RunReport candidate = Fixtures.scaledLatency(baseline, "B", 1.38);
    RunDiff diff = RunDiff.of(baseline, List.of(repeat), candidate, prices, 0.6);
    RunDiff.MetricChange p95 = metric(diff, "GET /knots p95 ms");
    assertThat(p95.noise()).isCloseTo(6 / 23.0, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(p95.baseline()).isEqualTo(23.0);
    assertThat(p95.regression()).isFalse();
    assertThat(diff.regression()).isFalse();
    // ... and +50 % on the mean is not
    RunDiff worse = RunDiff.of(baseline, List.of(repeat), Fixtures.scaledLatency(baseline, "C", 1.725), prices, 0.6);
    assertThat(metric(worse, "GET /knots p95 ms").regression()).isTrue();
    assertThat(worse.noiseBasis()).contains("2 baseline runs");
  }

  @Test
  void repeatsThatAgreeExactlyStillAssumeFivePercent() {
    RunDiff diff = RunDiff.of(baseline, List.of(baseline), Fixtures.scaledLatency(baseline, "B", 1.04), prices, 0.6);
    assertThat(metric(diff, "GET /knots p95 ms").noise()).isEqualTo(RunDiff.MIN_MEASURED_NOISE);
    assertThat(diff.regression()).isFalse();
  }

  @Test
  void tinyLatenciesAndRoutesWithFewRequestsAreNotJudged() {
    RunReport fast = Fixtures.withRoutes(baseline, "A", r -> Fixtures.route(r.method(), r.route(), r.requests(), r.bytesReceived(), 1.0));
    RunDiff doubled = RunDiff.of(fast, List.of(), Fixtures.scaledLatency(fast, "B", 2.0), prices, 0.6);
    // 1 ms → 2 ms is +100 % but below the 2 ms that could ever matter
    assertThat(doubled.regression()).isFalse();
    RunReport few = Fixtures.withRoutes(baseline, "A", r -> Fixtures.route(r.method(), r.route(), 5, r.bytesReceived(), 20));
    RunDiff diff = RunDiff.of(few, List.of(), Fixtures.scaledLatency(few, "B", 3.0), prices, 0.6);
    assertThat(metric(diff, "GET /knots p95 ms").regression()).isFalse();
    assertThat(metric(diff, "GET /knots p95 ms").note()).contains("not judged");
  }

  /**
   * A route met in the baseline with too few requests in the candidate to judge it is not a
   * regression of its figures, but the diff says that the candidate no longer shows it met.
   */
  @Test
  void aRouteMetInTheBaselineAndNotJudgedInTheCandidateIsMarkedNoLongerJudged() {
    RunReport thin = withVerdict(baseline, "B", "/knots", notEnoughData(5990));
    RunDiff diff = RunDiff.of(baseline, List.of(), thin, prices, 0.6);

    assertThat(diff.verdicts()).extracting(RunDiff.VerdictChange::check).containsExactly("SLO GET /knots");
    assertThat(diff.regression()).isFalse();
    assertThat(diff.format())
        .containsPattern("  SLO GET /knots +met → not enough data \\(needs 5,990 requests\\)  NO LONGER JUDGED\n")
        .contains("no regression beyond noise; 1 route's SLO verdict no longer judged: too few requests in the candidate");
  }

  /** Between "not enough data" and a verdict either way the change is listed, whichever way it goes. */
  @Test
  void aRouteThatGainsOrLosesAVerdictIsListed() {
    RunReport thin = withVerdict(baseline, "A", "/knots", notEnoughData(9486));
    RunReport missed = withVerdict(baseline, "B", "/knots",
        new RunReport.SloVerdict(false, true, true, false, "availability 99.667 % < 99.95 %"));

    assertThat(RunDiff.of(thin, List.of(), missed, prices, 0.6).format())
        .containsPattern("  SLO GET /knots +not enough data \\(needs 9,486 requests\\) → missed\n");
    assertThat(RunDiff.of(thin, List.of(), baseline, prices, 0.6).format())
        .containsPattern("  SLO GET /knots +not enough data \\(needs 9,486 requests\\) → met\n");
    assertThat(RunDiff.of(missed, List.of(), thin, prices, 0.6).format())
        .containsPattern("  SLO GET /knots +missed → not enough data \\(needs 9,486 requests\\)  NO LONGER JUDGED\n");
    assertThat(RunDiff.of(baseline, List.of(), missed, prices, 0.6).format())
        .containsPattern("  SLO GET /knots +met → missed\n");
    // needing more data than before is no change of the verdict
    assertThat(RunDiff.of(thin, List.of(), withVerdict(baseline, "C", "/knots", notEnoughData(5990)), prices, 0.6).verdicts()).isEmpty();
  }

  private static RunReport.SloVerdict notEnoughData(long requestsNeeded) {
    return new RunReport.SloVerdict(true, true, true, false,
        "availability not judged: 0 of 1000 requests failed, consistent with 99.9 %", requestsNeeded);
  }

  /** {@code r} with {@code verdict} on the route {@code route}. */
  private static RunReport withVerdict(RunReport r, String runId, String route, RunReport.SloVerdict verdict) {
    return Fixtures.withRoutes(r, runId, x -> !x.route().equals(route) ? x
        : new RunReport.RouteResult(x.method(), x.route(), x.objective(), x.requests(), x.ok(), x.clientErrors(), x.serverErrors(),
            x.shed(), x.timeouts(), x.bytesReceived(), x.latency(), x.availabilityPercent(), verdict, x.errorBudget()));
  }

  @Test
  void anOracleThatStopsPassingIsARegression() {
    RunReport broken = Fixtures.withOracle(baseline, "B",
        new RunReport.Oracle(1000, 990, 1000, List.of(), false, List.of("10 events missing from JetStream")),
        new RunReport.Verdict(false, true, true, false, List.of("oracle: 10 events missing from JetStream"), 1, ""));
    RunDiff diff = RunDiff.of(baseline, List.of(), broken, prices, 0.6);
    assertThat(diff.regression()).isTrue();
    assertThat(diff.verdicts()).extracting(RunDiff.VerdictChange::check).contains("oracle", "overall");
    assertThat(diff.verdicts().stream().filter(RunDiff.VerdictChange::regression)).extracting(RunDiff.VerdictChange::check).containsExactly("oracle");
  }
}

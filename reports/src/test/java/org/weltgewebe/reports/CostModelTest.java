package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The cost model against figures computed by hand from {@link Fixtures#handMade()} and the round
 * prices of {@code prices-test.json} (the arithmetic is in the comments).
 */
class CostModelTest {

  /** The Gatling S1 run's overload phase: requests offered (report.json, overload.offered). */
  private static final long OVERLOAD_OFFERED = 43_884;

  private final CostModel.Pricing pricing = CostModel.price(Fixtures.handMade(), Fixtures.testPrices(), 0.6);
  private final CostModel.ProviderCost cost = pricing.own().providers().get(0);

  @Test
  void measuresPerSessionAndPerEventFromTheMainPhase() {
    RunUsage u = pricing.usage();
    assertThat(u.cpuSecondsPerSession()).isEqualTo(100.0); // 1,000 main-phase CPU s / 10 sessions (not the run's 1,500)
    assertThat(u.cpuBasis()).startsWith("main phase's CPU seconds");
    assertThat(u.apiBytesPerSession()).isEqualTo(100_000.0); // 1 MB / 10 sessions
    assertThat(u.tileBytesPerHit()).isEqualTo(20_000.0); // 100 MB / 5,000 tiles
    assertThat(u.journalBytesPerEvent()).isEqualTo(1000.0); // 1 MB / 1,000 events
    assertThat(u.coresPerNode()).isEqualTo(2);
    assertThat(u.mainSeconds()).isEqualTo(150.0); // 15 windows of 10 s
  }

  @Test
  void sizesNodesForThePeakHourAtTheTargetUtilisation() {
    CostModel.Need need = pricing.own().need();
    // 100 CPU s × 1,000 sessions/day × peak factor 2.1071 / 86,400 s = 2.43877 cores; / 0.6 = 4.06462
    assertThat(need.coresAtPeak()).isCloseTo(2.438773, within(1e-5));
    assertThat(need.coresNeeded()).isCloseTo(4.064622, within(1e-5));
    // RAM ≥ max(2 GiB, 2 × 0.5 GiB heap) rules out "tiny"; 3 × A (€30) beats 1 × B (€35)
    assertThat(need.ramPerNodeGiB()).isEqualTo(2.0);
    assertThat(cost.appInstance()).isEqualTo("A");
    assertThat(cost.appNodes()).isEqualTo(3);
    // database cores 4.0646 × 0.5 = 2.03 → D2 (4 vCPU, €20)
    assertThat(cost.databasePlan()).isEqualTo("D2");
  }

  @Test
  void pricesEveryLineAndTheKpis() {
    assertThat(lines()).containsExactly(30.0, 20.0, 0.375, 0.0, 1.80);
    // storage: 12 months × 1,000 B × 10 events × 30,000 sessions = 3.6 GB + stream 30 d × 5 MB = 0.15 GB → 3.75 GB × €0.1
    // egress: 3 GB API from the origin, 60 GB included (3 nodes × 20 GB); edge: 60 GB tiles + 30 GB pages × €0.02
    assertThat(cost.totalEur()).isCloseTo(52.175, within(1e-9));
    // without an edge all 93 GB leave the origin: 33 GB beyond the included 60 GB × €0.01
    assertThat(cost.totalWithoutEdgeEur()).isCloseTo(50.705, within(1e-9));
    assertThat(cost.eurPer1000Sessions()).isCloseTo(52.175 / 30, within(1e-9)); // 30,000 sessions a month
    assertThat(cost.eurPerSession()).isCloseTo(0.00173917, within(1e-8));
    assertThat(cost.sessionTargetMet()).isTrue();
    assertThat(cost.eurPerGBEgress()).isCloseTo(52.175 / 93, within(1e-9));
    assertThat(cost.eurPerMillionEvents()).isCloseTo(52.175 / 0.6, within(1e-9)); // 600,000 events a month
    assertThat(pricing.own().need().edgeQuotaPercent()).isCloseTo(100 * 90 / 93.0, within(1e-9));
  }

  @Test
  void placesTheCostInTheBandAndJudgesTheEdgeBudget() {
    // 1,000 sessions/day is a third of the way from S1 (100) to S4 (100,000) on a log scale: 10 × 100^(1/3)
    assertThat(cost.band().expectedEur()).isCloseTo(46.4159, within(1e-4));
    assertThat(cost.band().position()).isEqualTo("within band");
    assertThat(cost.band().why()).isEmpty();
    assertThat(cost.edge().opexDeltaShare()).isCloseTo(1.47 / 50.705, within(1e-9));
    assertThat(cost.edge().withinDeltaLimit()).isTrue();
    assertThat(cost.edge().rollbackRuleApplies()).isFalse();
  }

  @Test
  void explainsACostBelowTheBand() {
    // the real S1 run at Hetzner: 1 × CX23 (€4.11) + CX33 for PostgreSQL and NATS (€8.03) + the CDN's minimum (€0.86) + storage
    CostModel.Pricing real = CostModel.price(Fixtures.s1(), Prices.fromClasspath("prices-2026-11-29.json"), 0.6);
    CostModel.ProviderCost hetzner = real.own().providers().get(0);
    assertThat(hetzner.providerId()).isEqualTo("hetzner");
    assertThat(hetzner.totalEur()).isCloseTo(4.11 + 8.03 + 0.86, within(0.05));
    assertThat(hetzner.band().position()).isEqualTo("below band");
    assertThat(hetzner.band().why()).contains("minimum footprint").contains("floor €15.00");
  }

  @Test
  void edgeBudgetRulesAtTheirThresholds() {
    assertThat(CostModel.edgeBudget(0.10).withinDeltaLimit()).isTrue();
    assertThat(CostModel.edgeBudget(0.12).withinDeltaLimit()).isFalse();
    assertThat(CostModel.edgeBudget(0.12).rollbackRuleApplies()).isFalse();
    assertThat(CostModel.edgeBudget(0.16).rollbackRuleApplies()).isTrue();
    assertThat(CostModel.edgeBudget(0.16).note()).contains("150 ms");
    assertThat(CostModel.edgeBudget(-0.05).note()).contains("saves 5.0 %");
  }

  @Test
  void jetStreamRetentionIsLimitedByMaxBytesWhenMessagesAreLarge() {
    ScenarioVolume s4 = ScenarioVolume.reference("S4").orElseThrow();
    // 14.2566 events × 100,000 sessions × 606 B = 863.9 MB a day: 30 days fit into 100 GiB
    CostModel.Retention small = CostModel.retention(s4, 606);
    assertThat(small.limitedBy()).startsWith("max_age");
    assertThat(small.retainedDays()).isEqualTo(30.0);
    assertThat(small.bytesPerDay()).isCloseTo(863_949_960, within(1.0));
    // at 5,000 B a message, 7.13 GB a day: 107,374,182,400 / 7.1283e9 = 15.06 days
    CostModel.Retention large = CostModel.retention(s4, 5000);
    assertThat(large.limitedBy()).startsWith("max_bytes");
    assertThat(large.retainedDays()).isCloseTo(15.0631, within(1e-4));
    assertThat(large.retainedBytes()).isCloseTo(CostModel.STREAM_MAX_BYTES, within(1.0));
  }

  @Test
  void theRealRunFallsBackToTheMainPhasesShareOfRequests() {
    RunUsage u = RunUsage.of(Fixtures.s1());
    // the S1 run predates cpuSecondsByPhase: 169.02 CPU s × 5,327 / 68,033 all-routes requests in the main phase
    assertThat(u.cpuBasis()).contains("share of requests");
    assertThat(u.mainCpuSeconds()).isCloseTo(169.02 * 5327 / 68033, within(1e-6));
    assertThat(u.cpuSecondsPerSession()).isCloseTo(1.470478, within(1e-6));
    assertThat(u.tileBytesPerHit()).isCloseTo(113_861_882 / 4500.0, within(1e-9));
    assertThat(u.journalBytesPerEvent()).isCloseTo(3_678_208 / 6480.0, within(1e-9));
  }

  @Test
  void aRunWithCpuPerPhaseUsesTheMainPhaseAndReportsTheMarginalCost() {
    RunUsage u = RunUsage.of(RunReports.read(Fixtures.runDir("S1-20261129-043841")));
    // Gatling S1 run: 71.64 CPU s in the main phase for 8 sessions; 61.94 CPU s for the overload phase's offered requests
    assertThat(u.cpuBasis()).startsWith("main phase's CPU seconds (71.6 of 190.8 s");
    assertThat(u.cpuSecondsPerSession()).isCloseTo(71.64 / 8, within(1e-9));
    assertThat(u.cpuSecondsPerRequest()).isCloseTo(71.64 / 4734, within(1e-9));
    assertThat(u.loadedCpuSecondsPerRequest()).isCloseTo(61.94 / OVERLOAD_OFFERED, within(1e-9));
  }

  @Test
  void theShippedPriceListLoadsFromTheClassPath() {
    Prices prices = Prices.current();
    assertThat(prices.date()).isEqualTo("2026-11-29");
    assertThat(prices.providers()).extracting(Prices.Provider::id).containsExactly("hetzner", "do-hybrid");
    assertThat(prices.provider("hetzner").band().lowEurPerMonth()).isEqualTo(15);
    assertThat(prices.provider("do-hybrid").band().highEurPerMonth()).isEqualTo(2400);
    prices.providers().forEach(p -> p.instances().forEach(i -> assertThat(i.source()).isNotBlank()));
  }

  @Test
  void refusesAnImpossibleUtilisation() {
    assertThatThrownBy(() -> CostModel.price(Fixtures.handMade(), Fixtures.testPrices(), 1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(0, 1]");
  }

  private double[] lines() {
    return cost.lines().stream().mapToDouble(l -> Math.round(l.eurPerMonth() * 1e9) / 1e9).toArray();
  }
}

package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** report.md: verdicts first, then KPIs, then routes, with the run's real figures. */
class MarkdownReportTest {

  @Test
  void theS1RunReadsVerdictsThenKpisThenRoutes() {
    RunReport run = Fixtures.s1();
    CostModel.Pricing pricing = CostModel.price(run, Prices.fromClasspath("prices-2026-11-29.json"), 0.6);
    String md = MarkdownReport.render(run, pricing, WhatIf.of(run, Optional.empty(), Prices.current()));

    assertThat(md).startsWith("# S1-20261129-042630: FAILED");
    int verdicts = md.indexOf("## Verdicts");
    int kpis = md.indexOf("## KPIs");
    int routes = md.indexOf("## Routes");
    assertThat(verdicts).isPositive().isLessThan(kpis);
    assertThat(kpis).isLessThan(routes);
    assertThat(md).contains("| SLOs per route | ✗ |", "| consistency oracle | ✓ |")
        .contains("- ✗ SLO GET /roles/{id}: p99 317.4 ms > 250 ms")
        .contains("- ✗ shedding: accepted requests' p99 1128.4 ms exceeds the routes' p99 objective 750 ms");
    CostModel.ProviderCost hetzner = pricing.own().providers().get(0);
    assertThat(md).contains("| Hetzner Cloud | " + ReportNumbers.eur(hetzner.totalEur()) + " | €15.00–€900: below band | "
        + ReportNumbers.eur(hetzner.eurPer1000Sessions()) + " |");
    assertThat(md).contains("| GET /tiles/{z}/{x}/{y} | 4500 | 4500 | 0 | 0 | 3.3 ms | 11.4 ms | 18.8 ms | 50 / 100 ms |");
    assertThat(md).contains("| S4 | 3,000,000 |").contains("max_age (30 d)");
    assertThat(md).contains("6480 events persisted, 6480 in JetStream, 6480 applied to the read models. Passed.");
    assertThat(md).contains("## What-if (M/M/c)").contains("| route | share of requests | p95 measured | p95 at 2× the rate |")
        .contains("| GET /tiles/{z}/{x}/{y} | 84.5 % | 11.4 ms |"); // 4,500 of the main phase's 5,327 requests
  }

  @Test
  void tableCellsCannotBreakTheTable() {
    RunReport odd = Fixtures.withRoutes(Fixtures.handMade(), "T|1", r -> Fixtures.route("GET", "/a|b", r.requests(), r.bytesReceived(), 10));
    String md = MarkdownReport.render(odd, CostModel.price(odd, Fixtures.testPrices(), 0.6), Optional.empty());
    assertThat(md).contains("| GET /a\\|b |").contains("# T\\|1: PASSED");
  }
}

package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.slo.SloRules;

/** A route's verdict rests on enough answered requests for its percentiles, else it has none. */
class JudgeTest {
  private final Judge judge = new Judge(
      List.of(new SloRules.Objective("PUT", "/roles/{id}/profile", new BigDecimal("99.95"), 250, 500, true)),
      new ScenarioDefinition.ErrorBudgetPolicy(99.9, 0.01, 0.05, 14.4), 1.0 / 30);

  @Test
  void thePercentilesNeedFiveExceedancesWorthOfRequests() {
    assertThat(Judge.requiredRequests(0.95)).isEqualTo(100);
    assertThat(Judge.requiredRequests(0.99)).isEqualTo(500);
    assertThat(Judge.requiredRequests(0.999)).isEqualTo(5000);
  }

  @Test
  void twelveSlowRequestsAreNotEnoughDataNotAFailure() {
    RunReport.SloVerdict v = judge.judge(measure(12, 900, 1200)).verdict();

    assertThat(v.met()).isFalse();
    assertThat(v.missed()).isFalse();
    assertThat(v.notEnoughData()).isTrue();
    assertThat(v.requestsNeeded()).isEqualTo(500);
    assertThat(v.reason()).contains("not enough data: 12 answered requests, a p95 verdict needs 100, a p99 verdict 500");
  }

  @Test
  void twoHundredRequestsJudgeTheP95ButNotTheP99() {
    RunReport.SloVerdict fast = judge.judge(measure(200, 100, 900)).verdict();
    RunReport.SloVerdict slow = judge.judge(measure(200, 300, 900)).verdict();

    assertThat(fast.notEnoughData()).isTrue();
    assertThat(fast.p99Met()).as("a p99 over 200 requests is not judged").isTrue();
    assertThat(fast.reason()).isEqualTo("p99 not judged: 200 answered requests, a p99 verdict needs 500");
    assertThat(slow.missed()).isTrue();
    assertThat(slow.reason()).contains("p95 300.0 ms > 250 ms").doesNotContain("p99 900.0 ms");
  }

  @Test
  void fiveHundredRequestsGiveARealVerdict() {
    assertThat(judge.judge(measure(500, 100, 400)).verdict().met()).isTrue();
    RunReport.SloVerdict slow = judge.judge(measure(500, 100, 600)).verdict();
    assertThat(slow.missed()).isTrue();
    assertThat(slow.reason()).isEqualTo("p99 600.0 ms > 500 ms");
  }

  @Test
  void errorsFailARouteWhateverItsCount() {
    RouteMeasure m = new RouteMeasure("main", "PUT", "/roles/{id}/profile", 12, 11, 0, 0, 1, 0, 0,
        latency(100, 200), latency(100, 200), latency(0, 0));
    RunReport.SloVerdict v = judge.judge(m).verdict();
    assertThat(v.missed()).isTrue();
    assertThat(v.reason()).startsWith("availability 91.667 % < 99.95 %");
  }

  private static RouteMeasure measure(long answered, double p95, double p99) {
    return new RouteMeasure("main", "PUT", "/roles/{id}/profile", answered, answered, 0, 0, 0, 0, 0,
        latency(p95, p99), latency(p95, p99), latency(0, 0));
  }

  private static RunReport.Latency latency(double p95, double p99) {
    return new RunReport.Latency(p95 / 2, p95 * 0.9, p95, p99, p99, p95 / 2);
  }
}

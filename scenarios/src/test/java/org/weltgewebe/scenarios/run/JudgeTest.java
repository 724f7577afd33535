package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.slo.SloRules;

/**
 * A route's verdict rests on enough answered requests for its percentiles and enough requests for
 * its availability, else it has none; the objective here is 99.95 %.
 */
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
    assertThat(v.requestsNeeded()).as("the larger need: availability's 5990 requests over the p99's 500").isEqualTo(5990);
    assertThat(v.reason()).isEqualTo("p95 and p99 not judged: 12 answered requests, a p95 verdict needs 100, a p99 verdict 500;"
        + " availability not judged: 0 of 12 requests failed, consistent with 99.95 % (1 would miss it);"
        + " met at 95 % confidence needs 5990 requests with at most 0 failed");
  }

  @Test
  void twoHundredRequestsJudgeTheP95ButNotTheP99() {
    RunReport.SloVerdict fast = judge.judge(measure(200, 100, 900)).verdict();
    RunReport.SloVerdict slow = judge.judge(measure(200, 300, 900)).verdict();

    assertThat(fast.notEnoughData()).isTrue();
    assertThat(fast.p99Met()).as("a p99 over 200 requests is not judged").isTrue();
    assertThat(fast.reason()).startsWith("p99 not judged: 200 answered requests, a p99 verdict needs 500; availability not judged:");
    assertThat(slow.missed()).isTrue();
    assertThat(slow.requestsNeeded()).isZero();
    assertThat(slow.reason()).contains("p95 300.0 ms > 250 ms").doesNotContain("p99 900.0 ms");
  }

  @Test
  void fiveHundredRequestsJudgeTheP99() {
    RunReport.SloVerdict fast = judge.judge(measure(500, 100, 400)).verdict();
    assertThat(fast.p99Met()).isTrue();
    assertThat(fast.notEnoughData()).as("0 of 500 failed says little about 99.95 %").isTrue();
    assertThat(fast.reason()).doesNotContain("p99");
    RunReport.SloVerdict slow = judge.judge(measure(500, 100, 600)).verdict();
    assertThat(slow.missed()).isTrue();
    assertThat(slow.reason()).startsWith("p99 600.0 ms > 500 ms; availability not judged");
  }

  @Test
  void twentyRequestsWithoutAFailureProveNothingAboutNinetyNinePointNineFive() {
    RunReport.SloVerdict v = judge.judge(measure(20, 100, 200)).verdict();
    assertThat(v.availabilityMet()).as("not missed").isTrue();
    assertThat(v.met()).isFalse();
    assertThat(v.notEnoughData()).isTrue();
    assertThat(v.requestsNeeded()).isEqualTo(5990);
  }

  @Test
  void withoutFailuresNinetyNinePointNineFiveIsMetFromFiveThousandNineHundredNinetyRequests() {
    RunReport.SloVerdict few = judge.judge(measure(5989, 100, 400)).verdict();
    assertThat(few.notEnoughData()).isTrue();
    assertThat(few.requestsNeeded()).isEqualTo(5990);
    assertThat(few.reason()).isEqualTo("availability not judged: 0 of 5989 requests failed, consistent with 99.95 % (7 would miss it);"
        + " met at 95 % confidence needs 5990 requests with at most 0 failed");

    RunReport.SloVerdict enough = judge.judge(measure(5990, 100, 400)).verdict();
    assertThat(enough.met()).isTrue();
    assertThat(enough.requestsNeeded()).isZero();
    assertThat(enough.reason()).isEqualTo("met");
  }

  @Test
  void oneFailureInSixHundredRequestsNeitherMissesNorMeetsNinetyNinePointNineFive() {
    RunReport.SloVerdict v = judge.judge(failing(600, 0, 1, 0)).verdict();
    assertThat(v.availabilityMet()).isTrue();
    assertThat(v.missed()).isFalse();
    assertThat(v.notEnoughData()).isTrue();
    assertThat(v.requestsNeeded()).isEqualTo(9486);
    assertThat(v.reason()).isEqualTo("availability not judged: 1 of 600 requests failed, consistent with 99.95 % (2 would miss it);"
        + " met at 95 % confidence needs 9486 requests with at most 1 failed");
  }

  @Test
  void twoFailuresInSixHundredRequestsMissNinetyNinePointNineFive() {
    RunReport.SloVerdict v = judge.judge(failing(600, 1, 0, 1)).verdict();
    assertThat(v.availabilityMet()).isFalse();
    assertThat(v.missed()).isTrue();
    assertThat(v.requestsNeeded()).isZero();
    assertThat(v.reason()).isEqualTo(
        "availability 99.667 % < 99.95 % (1 shed, 0 5xx, 1 unanswered of 600; 2 or more miss it at 95 % confidence)");
  }

  @Test
  void fiveFailuresInSixHundredRequestsMissNinetyNinePointNineFive() {
    RunReport.SloVerdict v = judge.judge(failing(600, 2, 2, 1)).verdict();
    assertThat(v.missed()).isTrue();
    assertThat(v.reason()).startsWith("availability 99.167 % < 99.95 % (2 shed, 2 5xx, 1 unanswered of 600;");
  }

  @Test
  void oneErrorInTwelveRequestsMissesNinetyNinePointNineFive() {
    RunReport.SloVerdict v = judge.judge(failing(12, 0, 1, 0)).verdict();
    assertThat(v.missed()).isTrue();
    assertThat(v.reason()).startsWith("availability 91.667 % < 99.95 % (0 shed, 1 5xx, 0 unanswered of 12; 1 or more miss it");
  }

  /** {@code requests} of which the shed, 5xx and unanswered ones failed and the rest were answered quickly. */
  private static RouteMeasure failing(long requests, long shed, long serverErrors, long timeouts) {
    return new RouteMeasure("main", "PUT", "/roles/{id}/profile", requests, requests - shed - serverErrors - timeouts, 0,
        shed, serverErrors, timeouts, 0, latency(100, 200), latency(100, 200), latency(0, 0));
  }

  private static RouteMeasure measure(long answered, double p95, double p99) {
    return new RouteMeasure("main", "PUT", "/roles/{id}/profile", answered, answered, 0, 0, 0, 0, 0,
        latency(p95, p99), latency(p95, p99), latency(0, 0));
  }

  private static RunReport.Latency latency(double p95, double p99) {
    return new RunReport.Latency(p95 / 2, p95 * 0.9, p95, p99, p99, p95 / 2);
  }
}

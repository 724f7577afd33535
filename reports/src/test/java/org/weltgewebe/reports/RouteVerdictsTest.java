package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A route without enough requests for a verdict reads as such, with what each unjudged part needs, in every rendering. */
class RouteVerdictsTest {
  private static final String AVAILABILITY_NOT_JUDGED = "availability not judged: 1 of 600 requests failed, consistent with 99.95 %"
      + " (2 would miss it); met at 95 % confidence needs 9486 requests with at most 1 failed";

  @Test
  void aRouteWhoseAvailabilityIsNotJudgedSaysWhatItNeeds() {
    RunReport.RouteResult route = withVerdict(new RunReport.SloVerdict(true, true, true, false, AVAILABILITY_NOT_JUDGED, 9486));

    assertThat(RouteVerdicts.route(route)).isEqualTo("not enough data: " + AVAILABILITY_NOT_JUDGED);
  }

  @Test
  void aReportWrittenBeforeAvailabilityWasJudgedIsNotDoubled() {
    String before = "not enough data: 12 answered requests, a p95 verdict needs 100, a p99 verdict 500";
    RunReport.RouteResult route = withVerdict(new RunReport.SloVerdict(true, true, true, false, before, 500));

    assertThat(RouteVerdicts.route(route)).isEqualTo(before);
  }

  @Test
  void theMarkdownAndHtmlReportsShowNeitherATickNorACross() {
    RunReport.RouteResult notJudged = withVerdict(new RunReport.SloVerdict(true, true, true, false, AVAILABILITY_NOT_JUDGED, 9486));
    RunReport run = Fixtures.withRoutes(Fixtures.handMade(), "T1-few", r -> r.route().equals("/knots") ? notJudged : r);
    CostModel.Pricing pricing = CostModel.price(run, Fixtures.testPrices(), 0.6);

    String md = MarkdownReport.render(run, pricing, Optional.empty());
    assertThat(md).contains(RouteVerdicts.DATA_NEEDED)
        .contains("| 99.83 % | ").contains(" | – not enough data: availability not judged: 1 of 600 requests failed");
    String html = HtmlReport.render(run, pricing, Optional.empty());
    assertThat(html).contains("<td>– not enough data: availability not judged: 1 of 600 requests failed");
  }

  private static RunReport.RouteResult withVerdict(RunReport.SloVerdict verdict) {
    RunReport.RouteResult r = Fixtures.route("GET", "/knots", 600, 600_000, 20);
    return new RunReport.RouteResult(r.method(), r.route(), new RunReport.Objective(99.95, 100, 250, true), 600, 599, 0, 1, 0, 0,
        r.bytesReceived(), r.latency(), 100.0 * 599 / 600, verdict, r.errorBudget());
  }
}

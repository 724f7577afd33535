package org.weltgewebe.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Scenarios;
import org.weltgewebe.scenarios.slo.SloRules;

/** Early abort on a fast-burning error budget: judged on the last whole minute, only on busy routes. */
class BurnWatchTest {
  // GET /search: 99.5 % → 0.5 % of requests may fail; 14.4× that is 7.2 %
  private final BurnWatch watch = new BurnWatch(
      new Judge(SloRules.readBuiltIn(), Scenarios.load("S1").errorBudget(), 0.001), 14.4);

  @Test
  void aRouteFailingFasterThanTheAbortRateStopsTheRun() {
    List<RunReport.Window> windows = minute("GET", "/search", 20, 2); // 10 % failing: 20× the allowed rate
    Optional<String> reason = watch.check(windows, "main");
    assertTrue(reason.isPresent());
    assertTrue(reason.get().startsWith("GET /search burnt its error budget 20.0× faster"), reason.get());
  }

  @Test
  void aBurnBelowTheAbortRateDoesNot() {
    assertEquals(Optional.empty(), watch.check(minute("GET", "/search", 100, 5), "main"), "5 % failing is 10×, below 14.4×");
  }

  @Test
  void aQuietRouteIsNotJudgedOnAHandfulOfRequests() {
    assertEquals(Optional.empty(), watch.check(minute("GET", "/search", 1, 1), "main"), "6 requests, all failed, are not a trend");
  }

  @Test
  void onlyTheNamedPhaseAndItsWholeWindowsCount() {
    assertEquals(Optional.empty(), watch.check(minute("GET", "/search", 20, 20).stream()
        .map(w -> new RunReport.Window("overload", w.offsetSeconds(), w.method(), w.route(), w.requests(), w.ok(), w.shed(), w.errors(), 0, 0, 0))
        .toList(), "main"));
    List<RunReport.Window> filling = new ArrayList<>(minute("GET", "/search", 20, 0));
    filling.add(new RunReport.Window("main", 70, "GET", "/search", 200, 0, 0, 200, 0, 0, 0));
    assertEquals(Optional.empty(), watch.check(filling, "main"), "the newest window is still filling and is left out");
  }

  /** Seven 10-s windows of one route (the last one still filling) with {@code requests} and {@code failed} each. */
  private static List<RunReport.Window> minute(String method, String route, long requests, long failed) {
    List<RunReport.Window> windows = new ArrayList<>();
    for (int i = 0; i <= 6; i++) {
      windows.add(new RunReport.Window("main", i * 10, method, route, requests, requests - failed, 0, failed, 1, 2, 3));
      windows.add(new RunReport.Window("main", i * 10, "*", "*", requests, requests - failed, 0, failed, 1, 2, 3));
    }
    return windows;
  }
}

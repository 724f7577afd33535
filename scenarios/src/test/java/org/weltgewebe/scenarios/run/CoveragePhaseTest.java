package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.Scenarios;

/** Which routes the coverage phase tops up: those below the run's requests per route (--coverage-requests). */
class CoveragePhaseTest {
  private static final RunReport.Latency FAST = new RunReport.Latency(5, 8, 9, 12, 20, 6);

  @Test
  void routesBelowTheTargetAreToppedUpAndAHigherTargetTakesMore() {
    ScenarioDefinition s1 = Scenarios.load("S1");
    // the main phase: every API route of the mix got 1,000 requests, GET /knots/{id} 6,000
    Set<String> routes = new TreeSet<>();
    s1.apiMix().keySet().forEach(a -> routes.add(a.method() + " " + a.route()));
    List<RouteMeasure> main = new ArrayList<>();
    for (String route : routes) {
      int space = route.indexOf(' ');
      long requests = route.equals("GET /knots/{id}") ? 6_000 : 1_000;
      main.add(new RouteMeasure("main", route.substring(0, space), route.substring(space + 1), requests, requests, 0, 0, 0, 0, 0,
          FAST, FAST, FAST));
    }
    Set<Action> candidates = EnumSet.copyOf(s1.apiMix().keySet());
    candidates.add(Action.LOGIN);
    candidates.add(Action.REGISTER);
    // at the default 600, only the actions whose route the main phase never saw (logging in or
    // registering, where the mix has none)
    Set<Action> unseen = EnumSet.noneOf(Action.class);
    candidates.stream().filter(a -> !routes.contains(a.method() + " " + a.route())).forEach(unseen::add);
    assertThat(CoveragePhase.lacking(s1, main, RunOptions.COVERAGE_REQUESTS).keySet()).isEqualTo(unseen);
    // at 5,990 (an availability verdict at 99.95 %) every one but the knot read
    Set<Action> below = EnumSet.copyOf(candidates);
    below.remove(Action.KNOT_READ);
    assertThat(CoveragePhase.lacking(s1, main, 5_990).keySet()).isEqualTo(below);
    assertThat(CoveragePhase.lacking(s1, main, 5_990)).containsEntry(Action.SEARCH, 1_000L);
  }

  @Test
  void aRunWithoutCoverageRequestsIsRefused() {
    Config config = NodeConfig.load(ConfigFactory.empty());
    RunOptions.Builder options = RunOptions.builder("S1", "S1-coverage", Path.of("reports"), DatabaseSettings.fromConfig(config),
        NatsSettings.fromConfig(config), OutboxSettings.fromConfig(config));
    assertThat(options.build().coverageRequests()).isEqualTo(600);
    assertThat(options.coverageRequests(5_990L).build().coverageRequests()).isEqualTo(5_990);
    assertThatThrownBy(() -> options.coverageRequests(0L).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the coverage phase's requests per route must be at least 1, not 0");
  }
}

package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.scenarios.cluster.ClusterLoad;
import org.weltgewebe.scenarios.run.RunOptions;
import org.weltgewebe.scenarios.run.ScenarioRun;

/**
 * A short S1 run with the in-cluster driver: the runner starts a platform node as a process of
 * its own, joins its cluster as a driver node, and the node's load worker replays the sessions as
 * entity commands through sharding. The events it persists must reach JetStream, the read models
 * and the SSE watchers like those of an HTTP run, and the report must name the driver and carry
 * the API's routes.
 */
class ClusterScenarioRunTest {

  @Test
  void aShortS1RunThroughTheClusterPersistsEventsTheOracleFindsEverywhere(@TempDir Path reports) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (TestDatabase db = TestDatabase.create()) {
      RunOptions options = ShortRuns.s1(db, reports, "S1-cluster-test", 1080, 10);

      ScenarioRun.Outcome outcome = ScenarioRun.run(
          options, context -> ClusterLoad.join(context, context.clusterSeedNodes()), new PrintStream(printed, true, StandardCharsets.UTF_8));

      RunReport report = RunReports.read(outcome.directory());
      assertThat(report.settings().generator()).startsWith("in-cluster virtual users on 1 node (sharding, no HTTP)");
      assertThat(report.settings().generatorCeilingPerSecond()).isPositive(); // its height is the benchmark's business
      // the same route templates as the HTTP driver's, so the same SLOs judge them; no tiles, feeds or search
      assertThat(report.routes()).extracting(RunReport.RouteResult::route)
          .contains("/roles", "/roles/{id}/session", "/regions/{cell}", "/knots")
          .doesNotContain("/tiles/{z}/{x}/{y}", "/search", "/regions/{cell}/feed");
      assertThat(report.routes()).allSatisfy(r -> assertThat(r.requests()).isPositive());
      assertThat(report.totals().sessions()).isPositive();
      assertThat(report.timeline()).anySatisfy(w -> {
        assertThat(w.phase()).isEqualTo("main");
        assertThat(w.route()).isEqualTo("*");
        assertThat(w.ok()).isPositive();
      });
      // the commands persisted real events, and the oracle found every one downstream
      assertThat(report.oracle().persisted()).isPositive();
      assertThat(report.oracle().discrepancies()).isEmpty();
      assertThat(report.oracle().inStream()).isEqualTo(report.oracle().persisted());
      assertThat(report.oracle().appliedToReadModels()).isEqualTo(report.oracle().persisted());
      assertThat(report.oracle().watchers()).allSatisfy(w -> assertThat(w.delivered()).isEqualTo(w.expected()));
      assertThat(report.oracle().persisted()).isEqualTo(ShortRuns.journalEvents(db));
      // the overload phase offered about 3 × 40/s for 5 s, as commands
      assertThat(report.overload().offered()).isBetween(300L, 900L);
      ShortRuns.everyFailureIsNamed(report);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("report: ").contains("oracle: persisted");
  }
}

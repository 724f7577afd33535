package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.scenarios.run.RunOptions;
import org.weltgewebe.scenarios.run.ScenarioLoads;
import org.weltgewebe.scenarios.run.ScenarioRun;

/**
 * A short S1 run end to end, as {@code .ci/run} promises: the runner starts the platform as a
 * process of its own (this test's class path, {@code weltgewebe serve}), replays three evening
 * hours at 720x, overloads it for a few seconds, and the report it writes holds what the oracle
 * and the clients saw. SLO verdicts are this machine's business; what must hold everywhere is
 * that nothing persisted was lost and that the report's numbers agree with each other.
 */
class ScenarioRunTest {

  @Test
  void aShortS1RunLosesNothingAndWritesAConsistentReport(@TempDir Path reports) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (TestDatabase db = TestDatabase.create()) {
      RunOptions options = ShortRuns.s1(db, reports, "S1-test", 720, 15);

      ScenarioRun.Outcome outcome =
          ScenarioRun.run(options, ScenarioLoads::gatling, new PrintStream(printed, true, StandardCharsets.UTF_8));

      RunReport report = RunReports.read(outcome.directory());
      assertThat(report).isEqualTo(outcome.report());
      assertThat(report.schemaVersion()).isEqualTo(RunReport.SCHEMA_VERSION);
      assertThat(report.scenario().id()).isEqualTo("S1");
      assertThat(report.settings().platformStartedByRun()).isTrue();
      assertThat(report.settings().virtualHours()).isEqualTo(3.0);
      assertThat(report.routes()).extracting(RunReport.RouteResult::route)
          .contains("/regions/{cell}", "/tiles/{z}/{x}/{y}", "/knots/{id}", "/roles");
      assertThat(report.totals().sessions()).isPositive();
      // the oracle: every persisted event in the stream, in the read models and at the watchers
      assertThat(report.oracle().persisted()).isPositive();
      assertThat(report.oracle().discrepancies()).isEmpty();
      assertThat(report.oracle().inStream()).isEqualTo(report.oracle().persisted());
      assertThat(report.oracle().appliedToReadModels()).isEqualTo(report.oracle().persisted());
      assertThat(report.oracle().watchers()).hasSize(3)
          .allSatisfy(w -> assertThat(w.delivered()).isEqualTo(w.expected()));
      assertThat(report.oracle().watchers()).anySatisfy(w -> assertThat(w.expected()).isPositive());
      // the server side was read from the platform process
      assertThat(report.server().cpuSeconds()).isPositive();
      // the oracle's count agrees with the journal as this test reads it (a fresh database: every
      // event in it is the run's)
      assertThat(report.oracle().persisted()).isEqualTo(ShortRuns.journalEvents(db));
      assertThat(report.server().egressBytesByRoute()).containsKey("GET /tiles/{z}/{x}/{y}");
      // the overload phase offered what it was asked to
      assertThat(report.overload().sustainableSource()).contains("given");
      assertThat(report.overload().offered()).isBetween(300L, 900L);
      // SLO verdicts are this machine's business; a failed one must be named
      ShortRuns.everyFailureIsNamed(report);
      assertThat(Files.exists(outcome.directory().resolve("platform.log"))).isTrue();
      // the load came from Gatling, whose own report of each phase is kept beside ours
      assertThat(report.settings().generator()).startsWith("Gatling 3.15");
      assertThat(report.settings().generatorCeilingPerSecond()).isPositive();
      assertThat(report.server().cpuSecondsByPhase()).containsKeys("ceiling", "main", "overload", "drain");
      for (String phase : List.of("ceiling", "main", "overload")) {
        assertThat(outcome.directory().resolve("gatling").resolve(phase).resolve("index.html")).isRegularFile();
      }
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("report: ").contains("oracle: persisted");
  }
}

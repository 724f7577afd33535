package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.readmodel.ReadModelProjection;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.run.RunOptions;
import org.weltgewebe.scenarios.run.ScenarioLoads;
import org.weltgewebe.scenarios.run.ScenarioRun;

/**
 * Proposal deadlines settle on the virtual clock within a scenario run, and the oracle's recount
 * agrees: S1 at 40,320× (a week in 15 s) — a main phase of 0.3 s (a few sessions at most), then
 * the coverage phase's 40 s bring every route of S1's mix its requests (proposals, objections,
 * votes, delegations, donations, leaving among them) — on a platform whose entities sleep after 5 s idle and whose deadline
 * sweeper looks every second. A proposal sleeps through its deadline and loses its timer; the
 * sweeper finds it overdue in the proposal view and wakes it, so proposals close without objection
 * and after a vote within the run, and the recount from the journal equals the read models.
 */
class ProposalDeadlineRunTest {

  @Test
  void proposalsPassOrGoToTheVoteAndCloseOnTheVirtualClockAndTheOracleAgrees(@TempDir Path reports) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (TestDatabase db = TestDatabase.create()) {
      RunOptions s1 = ShortRuns.s1(db, reports, "S1-deadlines", 40_320, 1);
      Map<String, String> environment = new HashMap<>(s1.serveEnvironment());
      // tokens outlive the run's five virtual weeks; idle entities sleep, so the sweeper must wake them
      environment.put("WELTGEWEBE_AUTH_TOKEN_LIFETIME", "365d");
      environment.put("WELTGEWEBE_ENTITIES_PASSIVATE_AFTER", "5s");
      environment.put("WELTGEWEBE_DEADLINES_SWEEP_EVERY", "1s");
      environment.put("WELTGEWEBE_LOG_LEVEL", "INFO"); // the sweeper says at INFO how many it woke
      environment.put("WELTGEWEBE_TEST_LOG", "INFO"); // the same, where the test class path brings its own logback-test.xml
      RunOptions options = s1.toBuilder()
          .duration(Duration.ofMillis(300))
          .serveEnvironment(Map.copyOf(environment))
          .coverageMax(Duration.ofSeconds(40))
          .build();

      ScenarioRun.Outcome outcome =
          ScenarioRun.run(options, ScenarioLoads::gatling, new PrintStream(printed, true, StandardCharsets.UTF_8));

      RunReport.Oracle oracle = outcome.report().oracle();
      assertThat(oracle.discrepancies()).as(printed.toString(StandardCharsets.UTF_8)).isEmpty();
      assertThat(oracle.recount()).isNotNull();
      assertThat(oracle.recount().closedProposals()).as("proposals closed within the run").isPositive();
      assertThat(oracle.recount().directVotes()).isPositive();
      assertThat(oracle.recount().accounts()).as("accounts donated to").isPositive();
      // the test's own reading of the proposal view: some passed in silence, some went to the vote and closed
      assertThat(count(db, "SELECT count(*) FROM rm_proposal WHERE outcome = 'PASSED_WITHOUT_OBJECTION'")).isPositive();
      assertThat(count(db, "SELECT count(*) FROM rm_proposal WHERE phase = 'CLOSED' AND objected_by IS NOT NULL"
          + " AND outcome IN ('ACCEPTED', 'REJECTED')")).isPositive();
      // After the run both the journal and the view stand still: the proposals whose closing the read
      // models applied are the view's closed ones. The oracle recounted earlier, while the platform's
      // clock (40,320x) still ran and its sweeper closed more: at most as many.
      long closedInView = count(db, "SELECT count(*) FROM rm_proposal WHERE phase = 'CLOSED'");
      assertThat(count(db, "SELECT count(DISTINCT j.persistence_id) FROM event_journal j"
          + " WHERE j.persistence_id LIKE 'proposal|%' AND NOT j.deleted"
          + " AND split_part(j.event_ser_manifest, '#', 1) ~ '[$.](PassedWithoutObjection|Tallied)$'"
          + " AND EXISTS (SELECT 1 FROM rm_applied_event a WHERE a.consumer = '" + ReadModelProjection.CONSUMER + "'"
          + " AND a.persistence_id = j.persistence_id AND a.sequence_nr = j.sequence_number)"))
          .as("proposals closed in the journal and applied").isEqualTo(closedInView);
      assertThat(oracle.recount().closedProposals()).isPositive().isLessThanOrEqualTo(closedInView);
      // the proposals that slept through their deadline were woken by the sweeper
      assertThat(Files.readString(outcome.directory().resolve("platform.log"))).contains("proposals past their deadline");
      assertThat(outcome.report().routes()).extracting(RunReport.RouteResult::route)
          .contains("/knots/{id}/proposals", "/proposals/{id}/vote", "/proposals/{id}/objections", "/knots/{id}/account/donations",
              "/regions/{cell}/delegation");
      ShortRuns.everyFailureIsNamed(outcome.report());
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("oracle recount from the journal");
  }

  private static long count(TestDatabase db, String sql) throws SQLException {
    try (Connection c = db.settings().connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }
}

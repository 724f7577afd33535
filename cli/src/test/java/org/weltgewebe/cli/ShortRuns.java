package org.weltgewebe.cli;

import java.nio.file.Path;
import java.time.Duration;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.scenarios.run.RunOptions;

/**
 * A short S1 run through a platform process of its own on a test database: {@code seconds} of
 * wall time at {@code compression}, an overload of 3× a given 40 req/s for 5 s (no probe), a
 * coverage phase of at most 15 s, seed 7.
 */
final class ShortRuns {
  private ShortRuns() {}

  /** The events in {@code db}'s journal, counted with plain SQL: the test's own view, not the runner's. */
  static long journalEvents(TestDatabase db) {
    try (java.sql.Connection c = db.settings().connect();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM event_journal WHERE NOT deleted")) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot count the journal of the test database", e);
    }
  }

  /**
   * The report gives a reason for each part that failed, and exits 0 only when it names none. A
   * route with too few requests for a verdict ({@code notEnoughData()}, whatever its reason
   * says) neither passes nor fails, so it need not be named.
   */
  static void everyFailureIsNamed(org.weltgewebe.reports.RunReport report) {
    org.assertj.core.api.Assertions.assertThat(report.verdict().exitCode()).isIn(0, 1);
    org.assertj.core.api.Assertions.assertThat(report.verdict().exitCode() == 0)
        .as("exit 0 exactly when no failure is named: %s", report.verdict().failures())
        .isEqualTo(report.verdict().failures().isEmpty());
    report.routes().stream()
        .filter(r -> r.verdict().missed())
        .forEach(r ->
        org.assertj.core.api.Assertions.assertThat(report.verdict().failures())
            .as("the failures name the missed route %s", r.route())
            .anySatisfy(f -> org.assertj.core.api.Assertions.assertThat(f).contains(r.route())));
  }

  static RunOptions s1(TestDatabase db, Path reports, String runId, double compression, int seconds) {
    var config = org.weltgewebe.cluster.NodeConfig.load(db.outboxConfig());
    DatabaseSettings database = DatabaseSettings.fromConfig(config);
    NatsSettings nats = NatsSettings.fromConfig(config);
    OutboxSettings outbox = OutboxSettings.fromConfig(config);
    return RunOptions.builder("S1", runId, reports, database, nats, outbox)
        .compression(compression)
        .duration(Duration.ofSeconds(seconds))
        .overloadFactor(3.0)
        .overloadDuration(Duration.ofSeconds(5))
        .sustainablePerSecond(40.0)
        // Long enough that every route the main phase left short gets requests of its own (20 req/s
        // in equal shares); the 600 per route a p99 verdict needs are the main job's business, and
        // ProposalDeadlineRunTest gives the phase the 40 s its assertions rest on.
        .coverageMax(Duration.ofSeconds(15))
        .seed(7)
        .serveCommand(ServeCommandLine.thisProgram())
        .build();
  }
}

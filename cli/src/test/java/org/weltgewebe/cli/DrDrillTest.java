package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.reports.DrReport;
import org.weltgewebe.scenarios.dr.DrDrill;

/**
 * A short DR drill on real processes: primary and replica PostgreSQL, a nats-server, the platform
 * twice. What it must show: writes acknowledged before the kill, the platform serving writes on the
 * promoted replica, no ghost left in the stream, stream and read models equal to the promoted
 * journal, and every lost write (asynchronous replication may lose a few) listed by identity.
 */
class DrDrillTest {

  @Test
  void aShortDrillRecoversOnThePromotedReplicaAndAccountsForEveryAcknowledgedWrite(@TempDir Path reports) throws Exception {
    List<String> progress = new ArrayList<>();
    DrDrill.Outcome outcome =
        new DrDrill(
                new DrDrill.Settings(
                    // 3 writers every 50 ms: a few seconds before the kill leave hundreds of acknowledged
                    // writes and some in flight; recovery is awaited by its first write, not by these seconds
                    ServeCommandLine.thisProgram(), reports, 3, Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(50), false),
                progress::add)
            .run();
    DrReport r = outcome.report();

    assertThat(r.figures().acknowledgedWritesBeforeKill()).as("writes acknowledged by the primary").isPositive();
    assertThat(r.lostWrites()).hasSize((int) r.figures().lostAcknowledgedWrites());
    assertThat(r.figures().rtoSeconds()).isPositive();
    assertThat(r.timeline()).extracting(DrReport.Step::name)
        .contains("primary killed (SIGKILL to the postmaster)", "replica promoted (pg_ctl promote)",
            "first write acknowledged on the promoted replica");
    assertThat(r.checks().ghostsReconciled()).isTrue();
    assertThat(r.checks().streamEqualsJournal()).as(r.checks().detail()).isTrue();
    assertThat(r.checks().readModelsEqualJournal()).as(r.checks().detail()).isTrue();
    assertThat(r.figures().streamEvents()).isEqualTo(r.figures().journalEvents());
    assertThat(r.passed()).isTrue();

    assertThat(DrReport.read(outcome.json())).isEqualTo(r);
    assertThat(Files.readString(outcome.html())).contains("RTO: kill → writes served, readiness green", "PASSED");
  }
}

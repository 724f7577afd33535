package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.weltgewebe.reports.FaultReport;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.scenarios.fault.FaultPlan;
import org.weltgewebe.scenarios.fault.FaultRun;

/**
 * {@code weltgewebe scenario run S1 --nodes 3 --fault nats-restart@…,pg-restart@…} as a user types
 * it: the run starts its own nats-server and PostgreSQL (although the machine's are configured),
 * kills the one and crashes the other under load, starts each again on its port and data, and the
 * nodes must reconnect (JDBC pools, the outbox relay's replication connection, the NATS
 * connections, the token revocations' watch, the live feeds) so that the verdicts hold: no
 * acknowledged write lost, stream = journal, read models = journal, every SSE watcher got every
 * event. The route SLOs are missed while the services are down, and the exit code says so. Three JVMs on 2 shared cores take minutes,
 * so it is a fault run outside {@code mvn verify}: {@code mvn -B -o -pl cli -am test
 * -Dtest=ServiceRestartRunTest -Dweltgewebe.fault-run=true -Dsurefire.failIfNoSpecifiedTests=false}.
 * The run directory stays under {@code cli/target/fault-runs/}.
 */
@EnabledIfSystemProperty(named = "weltgewebe.fault-run", matches = "true")
class ServiceRestartRunTest {

  @Test
  void natsAndPostgresCrashUnderLoadAndNothingAcknowledgedIsLost() throws Exception {
    String plan = "nats-restart@20s/5s,pg-restart@50s/5s";
    Assumptions.assumeTrue(FaultRun.unavailable(FaultPlan.parse(plan, 3)).isEmpty());
    Path reports = Path.of("target", "fault-runs").toAbsolutePath();
    String runId = "S1-service-restarts-" + System.currentTimeMillis();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Weltgewebe.commandLine().execute("scenario", "run", "S1", "--nodes", "3", "--fault", plan,
          "--compress", "240", "--duration", "80s", "--sustainable", "40", "--overload-duration", "3s", "--coverage", "0s", "--fault-writers", "2",
          "--reports-dir", reports.toString(), "--run-id", runId,
          // the machine's services, named: the run must start its own all the same
          "--db-url", "jdbc:postgresql://127.0.0.1:5432/postgres", "--nats-url", "nats://127.0.0.1:4222");
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
      System.out.print(out.toString(StandardCharsets.UTF_8));
      System.out.print(err.toString(StandardCharsets.UTF_8));
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed).contains("starts its own instead of the given ones", "private PostgreSQL", "private nats-server");

    FaultReport report = FaultReport.read(reports.resolve(runId)).orElseThrow();
    assertThat(report.faults()).extracting(FaultReport.Injected::kind).containsExactly("nats-restart", "pg-restart");
    assertThat(report.faults()).allSatisfy(f -> assertThat(f.detail()).contains("crashed, started again after 5 s"));
    assertThat(report.faults()).allSatisfy(f -> assertThat(f.dip().preFaultPerSecond()).isPositive());
    CleanFaultVerdicts.assertClean(report.verdicts());
    assertThat(report.failures()).isEmpty();
    assertThat(report.passed()).isTrue();

    // Crashing PostgreSQL and NATS under load misses route SLOs (shed and failed requests while they
    // are down, and 80 s are too few requests for most p95 verdicts): the run says so and exits 1.
    // Nothing else may fail it: the oracle and the shedding check pass, and the exit code is the report's.
    RunReport run = RunReports.read(reports.resolve(runId));
    assertThat(run.verdict().oraclePassed()).as("oracle: " + run.oracle().discrepancies()).isTrue();
    assertThat(run.verdict().sheddingPassed()).as("shedding: " + run.verdict().failures()).isTrue();
    assertThat(run.verdict().failures()).allSatisfy(f -> assertThat(f).startsWith("SLO "));
    assertThat(code).as("exit code").isEqualTo(run.verdict().exitCode());
    // the token revocations reconnect after the NATS restart: logouts fail only while it is down
    assertThat(run.routes()).filteredOn(r -> r.method().equals("DELETE") && r.route().equals("/roles/{id}/session"))
        .singleElement().satisfies(logout -> assertThat(logout.serverErrors()).as(logout.toString()).isLessThan(logout.ok()));
  }
}

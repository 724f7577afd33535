package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.reports.ReportRendering;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.reports.ScenarioVolume;
import org.weltgewebe.scenarios.definition.DailyTotals;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.Scenarios;
import picocli.CommandLine;

/**
 * {@code weltgewebe report render | cost | diff} on the S1 run kept as the reports module's test
 * fixture, through the real command line; and the reports module's copy of the S1–S4 volumes
 * against the definitions they were taken from.
 */
class ReportCommandTest {
  /** The real S1 run the reports module keeps as its fixture (tests run in the module's directory). */
  private static final Path S1_RUN = Path.of("..", "reports", "src", "test", "resources", "runs", "S1-20261129-042630");

  @TempDir Path tmp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream stdout;
  private PrintStream stderr;

  @BeforeEach
  void capture() {
    stdout = System.out;
    stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(stdout);
    System.setErr(stderr);
  }

  private int run(String... args) {
    return new CommandLine(new Weltgewebe()).execute(args);
  }

  private Path copyOfS1() throws Exception {
    Path dir = tmp.resolve("S1-20261129-042630");
    Files.createDirectories(dir);
    Files.copy(S1_RUN.resolve("report.json"), dir.resolve("report.json"));
    return dir;
  }

  @Test
  void renderWritesBothFilesBesideTheReportAndPrintsTheirPaths() throws Exception {
    Path dir = copyOfS1();
    assertThat(run("report", "render", dir.toString())).isZero();
    Path html = dir.resolve(ReportRendering.HTML_FILE);
    Path md = dir.resolve(ReportRendering.MARKDOWN_FILE);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(html.toString()).contains(md.toString());
    assertThat(Files.readString(md)).startsWith("# S1-20261129-042630: FAILED");
    assertThat(Files.readString(html)).contains("<script type=\"application/json\" id=\"report-data\">").contains("echarts");
  }

  @Test
  void costPrintsEveryProviderAndScenario() throws Exception {
    assertThat(run("report", "cost", copyOfS1().toString(), "--utilisation", "0.5")).isZero();
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("Hetzner Cloud", "DigitalOcean hybrid", "€ per 1,000 sessions", "nodes sized for 50 % utilisation");
    assertThat(text).containsPattern("(?m)^S4 +3,000,000 ");
  }

  @Test
  void costAsJsonIsTheCostJsonThatRenderingWrites() throws Exception {
    Path dir = copyOfS1();
    assertThat(run("report", "cost", dir.toString(), "--format", "json")).isZero();
    String printed = out.toString(StandardCharsets.UTF_8);
    out.reset();
    assertThat(run("report", "render", dir.toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(dir.resolve("cost.json").toString());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(json.readTree(printed)).isEqualTo(json.readTree(dir.resolve("cost.json").toFile()));
    assertThat(json.readTree(printed).at("/scenarios/0/providers/0/eurPer1000Sessions").isNumber()).isTrue();
  }

  @Test
  void aRunDiffedAgainstItselfHasNoRegression() throws Exception {
    Path dir = copyOfS1();
    assertThat(run("report", "diff", dir.toString(), dir.toString(), "--fail-on-regression")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("no regression beyond noise").contains("noise taken as 10 %");
  }

  @Test
  void aRegressionBeyondNoiseFailsTheDiffOnlyWhenAskedTo() throws Exception {
    Path baseline = copyOfS1();
    RunReport a = RunReports.read(baseline);
    RunReport slower = new RunReport(a.schemaVersion(), "S1-slower", a.startedAt(), a.finishedAt(), a.scenario(), a.settings(), a.totals(),
        a.routes().stream().map(r -> new RunReport.RouteResult(r.method(), r.route(), r.objective(), r.requests(), r.ok(), r.clientErrors(),
            r.serverErrors(), r.shed(), r.timeouts(), r.bytesReceived(),
            new RunReport.Latency(r.latency().p50Millis() * 3, r.latency().p90Millis() * 3, r.latency().p95Millis() * 3,
                r.latency().p99Millis() * 3, r.latency().maxMillis() * 3, r.latency().meanMillis() * 3),
            r.availabilityPercent(), r.verdict(), r.errorBudget())).toList(),
        a.timeline(), a.overload(), a.oracle(), a.server(), a.verdict());
    Path candidate = RunReports.write(slower, tmp.resolve("S1-slower")).getParent();
    assertThat(run("report", "diff", baseline.toString(), candidate.toString())).isZero();
    assertThat(run("report", "diff", baseline.toString(), candidate.toString(), "--fail-on-regression")).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("GET /tiles/{z}/{x}/{y} p95 ms").contains("REGRESSION");
  }

  @Test
  void badInputIsAClearErrorAndExitCode2() {
    assertThat(run("report", "render", tmp.resolve("missing").toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no such run directory or report");
    assertThat(run("report", "cost", S1_RUN.toString(), "--utilisation", "1.5")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--utilisation must be in (0, 1]");
  }

  @Test
  void everySubcommandHasHelp() {
    for (String sub : new String[] {"render", "cost", "diff"}) {
      out.reset();
      assertThat(run("report", sub, "--help")).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: weltgewebe report " + sub);
    }
  }

  @Test
  void theReportsModulesScenarioVolumesMatchTheDefinitions() {
    for (String id : new String[] {"S1", "S2", "S3", "S4"}) {
      ScenarioDefinition def = Scenarios.load(id);
      DailyTotals totals = DailyTotals.of(def);
      ScenarioVolume v = ScenarioVolume.reference(id).orElseThrow();
      assertThat(v.sessionsPerDay()).as(id + " sessions").isCloseTo(def.sessionsInDay(), within(1e-3));
      assertThat(v.requestsPerDay()).as(id + " requests").isCloseTo(totals.requests(), within(0.1));
      assertThat(v.eventsPerDay()).as(id + " events").isCloseTo(totals.events(), within(0.1));
      assertThat(v.tileHitsPerDay()).as(id + " tiles").isCloseTo(totals.tileHits(), within(0.1));
      assertThat(v.volumeBytesPerDay()).as(id + " bytes").isCloseTo(totals.volumeBytes(), within(1.0));
      assertThat(v.persistedEventsPerSession()).as(id + " persisted").isCloseTo(DailyTotals.persistedPerSession(def), within(1e-9));
      double[] perHour = def.sessionsPerHour();
      double peak = 0;
      for (double s : perHour) {
        peak = Math.max(peak, s);
      }
      assertThat(v.peakHourFactor()).as(id + " peak factor").isCloseTo(peak / (def.sessionsInDay() / 24), within(1e-4));
    }
  }
}

package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** renderAll writes both files beside report.json, also for a run that measured nothing on the server. */
class ReportRenderingTest {
  @TempDir Path tmp;

  @Test
  void writesBothFilesBesideTheReport() throws Exception {
    RunReports.write(Fixtures.handMade(), tmp);
    ReportRendering.Rendered out = ReportRendering.renderAll(tmp);
    assertThat(out.html()).isEqualTo(tmp.resolve("report.html"));
    assertThat(out.markdown()).isEqualTo(tmp.resolve("report.md"));
    assertThat(Files.readString(out.markdown())).startsWith("# T1-hand: PASSED");
    assertThat(Files.size(out.html())).isGreaterThan(1_000_000); // ECharts is inlined
  }

  @Test
  void aCapacitySearchBesideTheRunAddsTheStationsModelToBothForms() throws Exception {
    RunReports.write(Fixtures.handMade(), tmp);
    Files.copy(Path.of(ReportRenderingTest.class.getResource("/capacity/CAP-S1-before-host-cpu/capacity.json").toURI()),
        tmp.resolve(RunReports.CAPACITY_FILE));
    ReportRendering.Rendered out = ReportRendering.renderAll(tmp);
    assertThat(Files.readString(out.markdown())).contains("## " + AdmissionQueueModel.TITLE)
        .contains("limited by writes on the database pool (10 servers)").contains("| offered req/s | fit/held out |")
        .contains("Host CPU: the search did not record the host's CPU");
    assertThat(Files.readString(out.html())).contains("<section id=\"capacity-model\"><h2>")
        .contains("<th>host cores busy predicted</th>");
  }

  @Test
  void aRemoteRunWithoutServerFiguresStillRenders() throws Exception {
    RunReport h = Fixtures.handMade();
    RunReport.ServerUsage none = new RunReport.ServerUsage(Double.NaN, Double.NaN, Double.NaN, Map.of(), Map.of(), 0, 0, Double.NaN, 0, 0, 0,
        "remote platform (no CPU seconds), metrics endpoint did not answer", Map.of());
    RunReport remote = new RunReport(h.schemaVersion(), "remote", h.startedAt(), h.finishedAt(), h.scenario(), h.settings(),
        new RunReport.Totals(0, 0, 0, 0, 0, 0, 0), List.of(), List.of(), h.overload(), h.oracle(), none, h.verdict());
    RunReports.write(remote, tmp);
    ReportRendering.Rendered out = ReportRendering.renderAll(tmp);
    String md = Files.readString(out.markdown());
    assertThat(md).contains("CPU per session: not measured").doesNotContain("## What-if");
    assertThat(md).contains("unknown (message size not measured)");
    String html = Files.readString(out.html());
    assertThat(html).contains("No prediction: the run did not measure the platform's CPU.").doesNotContain("NaN cores");
    String data = html.substring(html.indexOf("id=\"report-data\">"), html.indexOf("</script>", html.indexOf("id=\"report-data\">")));
    assertThat(data).doesNotContain("NaN").doesNotContain("Infinity");
  }
}

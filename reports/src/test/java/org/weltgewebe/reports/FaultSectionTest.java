package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fault run's faults.json becomes the faults section of report.md and report.html (with its SVG timeline); other runs have none. */
class FaultSectionTest {
  @TempDir Path tmp;

  static FaultReport faults(long lost) {
    List<FaultReport.Point> timeline = new ArrayList<>();
    for (int t = 0; t < 60; t++) {
      boolean dip = t >= 20 && t < 26;
      timeline.add(new FaultReport.Point(t, 20, dip ? 4 : 20, dip ? 10 : 0, dip ? 6 : 0, dip ? 900 : 40));
    }
    return new FaultReport(FaultReport.SCHEMA_VERSION, "S1-x", 3, "kill@20s/5s:3,partition@40s/10s:1", "iptables <cgroup>", "keep-majority",
        List.of(
            new FaultReport.Injected("kill", "kill@20s/5s:3", 3, 20.0, 31.5, "SIGKILL to node 3", 9.4, new FaultReport.Dip(20, 5.2, 74, 7.0)),
            new FaultReport.Injected("partition", "partition@40s/10s:1", 1, 40.0, 50.0, "node 1 cut off (812 packets dropped)", null,
                new FaultReport.Dip(20, 19, 5, 0.0))),
        timeline,
        new FaultReport.Verdicts(3066, 1139, lost, lost == 0 ? List.of() : List.of("knot|k-1"), 0, List.of(), 0, List.of(), 3066, 0, 0, 0,
            List.of(), 3066, List.of(new FaultReport.Watcher("/regions/abc/feed", 40, 40, 0, 2))),
        lost == 0, lost == 0 ? List.of() : List.of(lost + " acknowledged writes are not in the journal"), List.of("3 writers kept a ledger"));
  }

  @Test
  void theSectionShowsEachFaultItsDipAndTheVerdictsFromTheJournal() throws Exception {
    RunReports.write(Fixtures.handMade(), tmp);
    faults(0).write(tmp);

    ReportRendering.Rendered out = ReportRendering.renderAll(tmp);

    String md = Files.readString(out.markdown());
    assertThat(md).contains("## Faults")
        .contains("| kill | 3 | 20.0 s | 31.5 s | 9.4 s | 20.0/s | 5.2/s | 74 % | 7 s | SIGKILL to node 3 |")
        .contains("| partition | 1 | 40.0 s | 50.0 s | no decision | 20.0/s | 19.0/s | 5 % | 0 s |")
        .contains("| acknowledged writes lost (in the writers' ledger, not in the journal) | 0 of 1139 | 0 | ✓ |")
        .contains("journal 3,066, stream 3,066: 0 missing, 0 duplicated, 0 unexpected")
        .contains("| SSE watcher /regions/abc/feed | 40 of 40 events, 0 duplicates, 2 reconnections (Last-Event-ID) | all, once | ✓ |")
        .contains("Verdict: every check passed.");
    assertThat(md.indexOf("## Faults")).isLessThan(md.indexOf("## Assumptions of the cost model"));
    String html = Files.readString(out.html());
    assertThat(html).contains("<h2>Faults</h2>").contains("<svg class=\"fault-timeline\"").contains("iptables &lt;cgroup&gt;");
    // one shaded span per fault and one line per panel (goodput, p95, shed + failed)
    String svg = html.substring(html.indexOf("<svg class=\"fault-timeline\""), html.indexOf("</svg>", html.indexOf("<svg class=\"fault-timeline\"")));
    assertThat(svg.split("<polyline", -1)).hasSize(4);
    assertThat(svg).contains("<title>kill@20s/5s:3: SIGKILL to node 3</title>").contains(">partition n1</text>");
  }

  @Test
  void aLostWriteFailsTheSectionsVerdictAndADirectRunHasNoSection() throws Exception {
    RunReports.write(Fixtures.handMade(), tmp);
    assertThat(Files.readString(ReportRendering.renderAll(tmp).markdown())).doesNotContain("## Faults");

    faults(2).write(tmp);
    String md = Files.readString(ReportRendering.renderAll(tmp).markdown());
    assertThat(md).contains("FAILED — 2 acknowledged writes are not in the journal")
        .contains("| 2 of 1139 (e.g. knot|k-1) | 0 | ✗ |".replace("|k-1", "\\|k-1"));
  }
}

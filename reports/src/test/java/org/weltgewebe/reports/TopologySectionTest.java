package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A proxied run's topology.json is rendered into report.md, report.html and cost.json; a direct run has none of it. */
class TopologySectionTest {
  @TempDir Path tmp;

  static TopologyReport topology(TopologyReport.Overhead overhead, TopologyReport.Probe probe) {
    return new TopologyReport(TopologyReport.SCHEMA_VERSION, "proxied",
        new TopologyReport.Proxy("Caddy", "2.6.2", "proxy/Caddyfile", "http://127.0.0.1:1", List.of("http://127.0.0.1:2"), "https://127.0.0.1:3",
            true, "h3=\":3\"; ma=2592000", 4.5, 1200),
        new TopologyReport.Pooler("PgBouncer", "1.18.0", "transaction", 10, "jdbc:postgresql://127.0.0.1:4/db", "jdbc:postgresql://127.0.0.1:5432/db",
            "proxy/pgbouncer.ini", 900, 950, 1.2, 0.05, 2, 6, 14, probe, 0.8),
        overhead,
        new CostKpis.MeasuredEdge(1000, 100, 900, 90.0, 0, 0, 0, null, 90.0, "replayed <log> & co"),
        List.of("a note"));
  }

  static TopologyReport.Overhead overhead() {
    return new TopologyReport.Overhead(50, "the run's sustainable rate", 3, 10,
        new TopologyReport.Side(1500, 1500, 0, 0, 50, 4.0, 40.0),
        new TopologyReport.Side(1490, 1480, 10, 10, 49.3, 4.6, 52.0),
        List.of(new TopologyReport.RouteOverhead("GET", "/knots/{id}", 700, 690, 3.0, 3.5, 30.0, 41.0)));
  }

  @Test
  void aProxiedRunsSectionSaysWhatTheProxyCost() throws Exception {
    RunReports.write(Fixtures.handMade(), tmp);
    topology(overhead(), new TopologyReport.Probe("SELECT 1", 500, new TopologyReport.Percentiles(0.2, 0.9, 0.3),
        new TopologyReport.Percentiles(0.3, 1.4, 0.4))).write(tmp);

    ReportRendering.Rendered out = ReportRendering.renderAll(tmp);

    String md = Files.readString(out.markdown());
    assertThat(md).contains("## Topology: Caddy and PgBouncer")
        .contains("| GET /knots/{id} | 700 / 690 | 3.0 ms | 3.5 ms | +0.50 ms | 30.0 ms | 41.0 ms | +11.00 ms |")
        .contains("Goodput direct 50.0 req/s, proxied 49.3 req/s (-1.4 %)")
        .contains("through PgBouncer p50 0.3 ms / p99 1.4 ms (+0.10 ms per query at the median)")
        .contains("| tiles | 1000 | 100 | 900 | 90.0 % |")
        .contains("| HTML | 0 | 0 | 0 | – (none) |")
        .contains("HTTP/3 on the HTTPS listener https://127.0.0.1:3: offered");
    assertThat(md.indexOf("## Topology")).isLessThan(md.indexOf("## Assumptions of the cost model"));
    String html = Files.readString(out.html());
    assertThat(html).contains("<h2>Topology: Caddy and PgBouncer</h2>").contains("replayed &lt;log&gt; &amp; co");
    assertThat(Files.readString(out.cost())).contains("\"tileHitPercent\" : 90.0");
  }

  @Test
  void aRunWithoutOverheadOrProbeStillRenders() throws Exception {
    RunReports.write(Fixtures.handMade(), tmp);
    topology(null, null).write(tmp);
    String md = Files.readString(ReportRendering.renderAll(tmp).markdown());
    assertThat(md).contains("## Topology: Caddy and PgBouncer").doesNotContain("Proxy overhead, measured").contains("a note");
  }

  @Test
  void aDirectRunHasNoTopologySection() throws Exception {
    RunReports.write(Fixtures.handMade(), tmp);
    ReportRendering.Rendered out = ReportRendering.renderAll(tmp);
    assertThat(Files.readString(out.markdown())).doesNotContain("Topology");
    assertThat(TopologyReport.read(tmp)).isEmpty();
  }
}

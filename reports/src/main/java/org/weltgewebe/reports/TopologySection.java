package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.weltgewebe.reports.SectionText.Block;
import org.weltgewebe.reports.SectionText.Paragraph;
import org.weltgewebe.reports.SectionText.Table;

/**
 * The report's section on a proxied run's topology ({@link TopologyReport}): what passed through
 * Caddy and PgBouncer, what they cost in latency and goodput against the direct path measured in
 * the same run, and the edge quota from the cache headers actually sent. Built once as paragraphs
 * and tables, written as Markdown for report.md and as HTML for report.html, so both say the same.
 */
final class TopologySection {
  private TopologySection() {}

  static final String TITLE = "Topology: Caddy and PgBouncer";

  static String markdown(TopologyReport t) {
    return SectionText.markdown(TITLE, blocks(t));
  }

  static String html(TopologyReport t) {
    return SectionText.html("<section>", TITLE, blocks(t), "");
  }

  private static List<Block> blocks(TopologyReport t) {
    List<Block> blocks = new ArrayList<>();
    TopologyReport.Proxy proxy = t.proxy();
    TopologyReport.Pooler pooler = t.pooler();
    blocks.add(new Paragraph(String.format(Locale.ROOT,
        "The load went through %s %s at %s to the node(s) %s (active health checks on /health/ready, SSE unbuffered, zstd/gzip). "
            + "HTTP/3 on the HTTPS listener %s: %s. The journal, read models and search reached PostgreSQL through %s %s in %s mode "
            + "(%s, pool of %d server connections); the outbox relay's replication connection and the migrations went directly to %s.",
        proxy.software(), proxy.version(), proxy.url(), String.join(", ", proxy.upstreams()),
        proxy.httpsUrl().isEmpty() ? "(none)" : proxy.httpsUrl(),
        proxy.http3Offered() ? "offered (UDP listener, Alt-Svc " + proxy.altSvc() + ")" : "not offered",
        pooler.software(), pooler.version(), pooler.poolMode(), pooler.pooledUrl(), pooler.poolSize(), pooler.directUrl())));

    TopologyReport.Overhead o = t.overhead();
    if (o != null) {
      blocks.add(new Paragraph(String.format(Locale.ROOT,
          "Proxy overhead, measured in this run: the API mix at %s req/s (%s), %d blocks of %s s per side, proxied and direct alternating. "
              + "Goodput direct %s req/s, proxied %s req/s (%s); all routes p50 %s → %s, p99 %s → %s.",
          ReportNumbers.num(o.ratePerSecond(), 1), o.rateSource(), o.blocks(), ReportNumbers.num(o.secondsPerBlock(), 0),
          ReportNumbers.num(o.direct().goodputPerSecond(), 1), ReportNumbers.num(o.proxied().goodputPerSecond(), 1),
          o.direct().goodputPerSecond() > 0 ? signedPct(o.proxied().goodputPerSecond() / o.direct().goodputPerSecond() - 1) : "–",
          ReportNumbers.ms(o.direct().p50Millis()), ReportNumbers.ms(o.proxied().p50Millis()), ReportNumbers.ms(o.direct().p99Millis()),
          ReportNumbers.ms(o.proxied().p99Millis()))));
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("all routes", o.direct().requests() + " / " + o.proxied().requests(), ReportNumbers.ms(o.direct().p50Millis()),
          ReportNumbers.ms(o.proxied().p50Millis()), delta(o.proxied().p50Millis() - o.direct().p50Millis()), ReportNumbers.ms(o.direct().p99Millis()),
          ReportNumbers.ms(o.proxied().p99Millis()), delta(o.proxied().p99Millis() - o.direct().p99Millis())));
      for (TopologyReport.RouteOverhead r : o.routes()) {
        rows.add(List.of(r.method() + " " + r.route(), r.directRequests() + " / " + r.proxiedRequests(), ReportNumbers.ms(r.directP50Millis()),
            ReportNumbers.ms(r.proxiedP50Millis()), delta(r.proxiedP50Millis() - r.directP50Millis()), ReportNumbers.ms(r.directP99Millis()),
            ReportNumbers.ms(r.proxiedP99Millis()), delta(r.proxiedP99Millis() - r.directP99Millis())));
      }
      blocks.add(new Table(List.of("route", "requests direct / proxied", "p50 direct", "p50 proxied", "Δ p50", "p99 direct", "p99 proxied", "Δ p99"), rows));
      blocks.add(new Paragraph(String.format(Locale.ROOT,
          "Shed or failed: direct %d shed, %d other errors; proxied %d shed, %d other errors. Caddy used %s CPU s and PgBouncer %s CPU s over the whole run "
              + "(on the same cores as the node and the load generator).",
          o.direct().shed(), o.direct().errors() - o.direct().shed(), o.proxied().shed(), o.proxied().errors() - o.proxied().shed(),
          ReportNumbers.num(proxy.cpuSeconds(), 1), ReportNumbers.num(pooler.cpuSeconds(), 1))));
    }

    TopologyReport.Probe probe = pooler.probe();
    if (probe != null) {
      blocks.add(new Paragraph(String.format(Locale.ROOT,
          "PgBouncer: %,d transactions and %,d queries passed; mean transaction %s, mean wait for a server connection %s, at most %d clients "
              + "waiting, %d server and %d client connections. The same query (%s) %d times each way, alternating: directly p50 %s / p99 %s, "
              + "through PgBouncer p50 %s / p99 %s (%s per query at the median).",
          pooler.transactions(), pooler.queries(), ReportNumbers.ms(pooler.meanTransactionMillis()), ReportNumbers.ms(pooler.meanWaitMillis()),
          pooler.maxClientsWaiting(), pooler.maxServerConnections(), pooler.maxClientConnections(), probe.query(), probe.queries(),
          ReportNumbers.ms(probe.direct().p50Millis()), ReportNumbers.ms(probe.direct().p99Millis()), ReportNumbers.ms(probe.pooled().p50Millis()),
          ReportNumbers.ms(probe.pooled().p99Millis()), delta(probe.pooled().p50Millis() - probe.direct().p50Millis()))));
    }

    CostKpis.MeasuredEdge e = t.edge();
    if (e != null) {
      blocks.add(new Paragraph("Edge quota from the cache headers Caddy sent: " + e.basis()));
      blocks.add(new Table(List.of("class", "requests", "answers a cache stored", "hits a shared cache would serve", "hit share"), List.of(
          List.of("tiles", String.valueOf(e.tileRequests()), String.valueOf(e.tileCacheable()), String.valueOf(e.tileHits()), percent(e.tileHitPercent())),
          List.of("HTML", String.valueOf(e.htmlRequests()), String.valueOf(e.htmlCacheable()), String.valueOf(e.htmlHits()), percent(e.htmlHitPercent())),
          List.of("tiles and HTML", String.valueOf(e.tileRequests() + e.htmlRequests()), String.valueOf(e.tileCacheable() + e.htmlCacheable()),
              String.valueOf(e.tileHits() + e.htmlHits()), percent(e.hitPercent())))));
    }
    t.notes().forEach(n -> blocks.add(new Paragraph(n)));
    return blocks;
  }

  private static String percent(Double p) {
    return p == null ? "– (none)" : String.format(Locale.ROOT, "%.1f %%", p);
  }

  private static String signedPct(double share) {
    return String.format(Locale.ROOT, "%+.1f %%", share * 100);
  }

  private static String delta(double millis) {
    return Double.isFinite(millis) ? String.format(Locale.ROOT, "%+.2f ms", millis) : "–";
  }
}

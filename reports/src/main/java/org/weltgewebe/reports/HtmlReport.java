package org.weltgewebe.reports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code report.html}: one self-contained page that opens offline. The run's figures go in as JSON
 * in a {@code <script type="application/json">} block (escaped so that no text can close it), the
 * charting library (Apache ECharts, from its webjar) is inlined from the class path, and a small
 * script of ours draws the charts. Tables are written here, every text escaped.
 *
 * <p>The page reports on itself so a headless browser can check it: each chart's container gets
 * {@code data-rendered="true"} once ECharts finished drawing it, {@code #rendered-charts} lists the
 * ids, and any script error is written into {@code #errors}.
 */
public final class HtmlReport {
  /** The ECharts build inlined into every report. */
  static final String ECHARTS = "/META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";
  /** The ids of the charts the page draws, in order. */
  public static final List<String> CHARTS =
      List.of("chart-latency", "chart-latency-routes", "chart-throughput", "chart-overload", "chart-budget", "chart-cost", "chart-scale", "chart-whatif");

  private static final ObjectMapper JSON = new ObjectMapper();

  private HtmlReport() {}

  /** The page for one run. */
  public static String render(RunReport r, CostModel.Pricing pricing, Optional<WhatIf> whatIf) {
    return render(r, pricing, whatIf, "");
  }

  /** The page for one run with {@code sections} (HTML, e.g. a proxied run's topology) after the what-if model. */
  public static String render(RunReport r, CostModel.Pricing pricing, Optional<WhatIf> whatIf, String sections) {
    String data = json(data(r, pricing, whatIf));
    StringBuilder h = new StringBuilder(1_200_000);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(esc(r.runId())).append(" — Weltgewebe run report</title>\n")
        .append("<style>").append(STYLE).append("</style>\n")
        .append("<script>").append(ERROR_HOOK).append("</script>\n")
        .append("</head>\n<body>\n");
    RunReport.Verdict v = r.verdict();
    h.append("<header><h1>").append(esc(r.runId())).append(" <span class=\"").append(v.passed() ? "ok" : "bad").append("\">")
        .append(v.passed() ? "PASSED" : "FAILED").append("</span></h1>\n<p>")
        .append(esc(String.format("Scenario %s (%s), started %s; %s virtual h from %s:00 at %s×; %d node(s) on %s; generator: %s.",
            r.scenario().id(), r.scenario().name(), r.startedAt(), ReportNumbers.num(r.settings().virtualHours(), 1),
            ReportNumbers.num(r.settings().virtualStartHour(), 0), ReportNumbers.num(r.settings().compression(), 0), r.settings().nodes(),
            r.settings().host(), r.settings().generator())))
        .append("</p>\n<p>").append(sbom(r.sbom())).append("</p></header>\n");

    if (r.verdict().abortedEarly() != null && !r.verdict().abortedEarly().isEmpty()) {
      h.append("<p class=\"bad\"><strong>Aborted early:</strong> ").append(esc(r.verdict().abortedEarly())).append("</p>");
    }
    h.append("<section><h2>Verdicts</h2><table><tr><th>check</th><th>result</th></tr>")
        .append(row("SLOs per route", r.slosVoidBecause().isPresent() ? esc("void: " + r.slosVoidBecause().get()) : mark(v.slosMet())))
        .append(row("load shedding under overload", mark(v.sheddingPassed())))
        .append(row("consistency oracle", mark(v.oraclePassed())))
        .append("</table><ul>");
    v.failures().forEach(f -> h.append("<li class=\"bad\">").append(esc(f)).append("</li>"));
    h.append("</ul></section>\n");

    CostModel.Estimate own = pricing.own();
    h.append("<section><h2>KPIs and cost</h2><p>").append(esc(String.format(
        "Scenario %s at its real volume: %s sessions and %s events per month, %s cores at the peak hour, sized for %.0f %% utilisation; prices of %s.",
        own.scenario().id(), ReportNumbers.num(own.need().sessionsPerMonth(), 0), ReportNumbers.num(own.need().eventsPerMonth(), 0),
        ReportNumbers.num(own.need().coresAtPeak(), 3), pricing.utilisation() * 100, pricing.pricesDate()))).append("</p>");
    h.append("<table><tr><th>provider</th><th>€ / month</th><th>band S1 → S4</th><th>€ / 1,000 sessions</th><th>€ / session (&lt; €1)</th>"
        + "<th>€ / GB egress</th><th>€ / M events</th><th>edge quota</th><th>edge budget</th></tr>");
    for (CostModel.ProviderCost c : own.providers()) {
      h.append("<tr><td>").append(esc(c.providerName())).append("</td><td>").append(esc(ReportNumbers.eur(c.totalEur())))
          .append("</td><td>").append(esc(ReportNumbers.eur(c.band().lowEur()) + "–" + ReportNumbers.eur(c.band().highEur()) + ": " + c.band().position()))
          .append(c.band().why().isEmpty() ? "" : "<br><small>" + esc(c.band().why()) + "</small>")
          .append("</td><td>").append(esc(ReportNumbers.eur(c.eurPer1000Sessions())))
          .append("</td><td>").append(esc(ReportNumbers.eur(c.eurPerSession()))).append(' ').append(mark(c.sessionTargetMet()))
          .append("</td><td>").append(esc(ReportNumbers.eur(c.eurPerGBEgress())))
          .append("</td><td>").append(esc(ReportNumbers.eur(c.eurPerMillionEvents())))
          .append("</td><td>").append(esc(ReportNumbers.num(own.need().edgeQuotaPercent(), 1) + " %"))
          .append("</td><td>").append(mark(c.edge().withinDeltaLimit())).append(' ').append(esc(c.edge().note()))
          .append("</td></tr>");
    }
    h.append("</table>");
    chart(h, "chart-cost", "Cost per month by provider and line; the marker is the scenario's point of the provider's band (S1 low end → S4 high end)");
    chart(h, "chart-scale", "S1–S4 priced with this run's measurements (log scale), bands dashed");
    h.append("<table><tr><th>scenario</th><th>sessions / month</th><th>cores at peak</th><th>cores at peak (marginal)</th>");
    own.providers().forEach(c -> h.append("<th>").append(esc(c.providerName())).append("</th>"));
    h.append("<th>JetStream retention (max_bytes 100 GiB, max_age 30 d)</th></tr>");
    for (CostModel.Estimate e : pricing.references()) {
      h.append("<tr><td>").append(esc(e.scenario().id())).append("</td><td>").append(esc(ReportNumbers.num(e.need().sessionsPerMonth(), 0)))
          .append("</td><td>").append(esc(ReportNumbers.num(e.need().coresAtPeak(), 3)))
          .append("</td><td>").append(esc(ReportNumbers.num(e.need().coresAtPeakMarginal(), 3))).append("</td>");
      for (CostModel.ProviderCost c : e.providers()) {
        h.append("<td>").append(esc(ReportNumbers.eur(c.totalEur()) + " (" + c.band().position() + ")"))
            .append(c.band().why().isEmpty() ? "" : "<br><small>" + esc(c.band().why()) + "</small>").append("</td>");
      }
      CostModel.Retention ret = e.retention();
      h.append("<td>").append(esc(ReportNumbers.num(ret.retainedDays(), 1) + " d, " + ReportNumbers.bytes(ret.retainedBytes()) + " at "
          + ReportNumbers.bytes(ret.bytesPerDay()) + "/day: " + ret.limitedBy())).append("</td></tr>");
    }
    h.append("</table><ul>");
    pricing.assumptions().forEach(a -> h.append("<li>").append(esc(a)).append("</li>"));
    h.append("</ul></section>\n");

    h.append("<section><h2>Latency and throughput over time</h2>");
    chart(h, "chart-latency", "All routes: p50, p95, p99 per 10-second window, by phase");
    chart(h, "chart-latency-routes", "p95 per route, main phase");
    chart(h, "chart-throughput", "Requests, successes and shed requests per second; shed rate");
    h.append("</section>\n");

    RunReport.Overload o = r.overload();
    h.append("<section><h2>Overload</h2><p>").append(esc(String.format(
        "%s× the sustainable %s req/s for %s s: goodput %s req/s (%s of sustainable), %s shed, accepted p99 %s (objective %s), shed p99 %s.",
        ReportNumbers.num(o.factor(), 1), ReportNumbers.num(o.sustainablePerSecond(), 1), ReportNumbers.num(o.seconds(), 0), ReportNumbers.num(o.goodputPerSecond(), 1),
        ReportNumbers.pct(o.goodputShare()), ReportNumbers.pct(o.shedShare()), ReportNumbers.ms(o.acceptedP99Millis()), ReportNumbers.ms(o.acceptedP99ObjectiveMillis()),
        ReportNumbers.ms(o.shedP99Millis())))).append(' ').append(mark(o.passed())).append("</p>");
    if (o.generatorLimited()) {
      h.append("<p class=\"bad\">Generator-limited: ").append(esc(o.note())).append("</p>");
    }
    chart(h, "chart-overload", "Overload phase: offered, goodput and shed per second against the sustainable rate");
    h.append("</section>\n");

    h.append("<section><h2>Routes and error budgets</h2>");
    r.slosVoidBecause().ifPresent(why -> h.append("<p class=\"bad\"><strong>The SLO verdicts below are void: ").append(esc(why)).append(".</strong></p>"));
    h.append("<p>").append(esc(RouteVerdicts.DATA_NEEDED)).append("</p>");
    chart(h, "chart-budget", "Share of the month's error budget this run's error rate would burn (alert 1 %, escalate 5 %)");
    h.append("<table><tr><th>route</th><th>requests</th><th>ok</th><th>shed</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th>"
        + "<th>objective p95 / p99</th><th>availability</th><th>budget (month)</th><th>verdict</th></tr>");
    for (RunReport.RouteResult rr : r.routes()) {
      h.append("<tr><td>").append(esc(rr.method() + " " + rr.route())).append("</td><td>").append(rr.requests()).append("</td><td>")
          .append(rr.ok()).append("</td><td>").append(rr.shed()).append("</td><td>").append(rr.clientErrors() + rr.serverErrors() + rr.timeouts())
          .append("</td><td>").append(esc(ReportNumbers.ms(rr.latency().p50Millis()))).append("</td><td>").append(esc(ReportNumbers.ms(rr.latency().p95Millis())))
          .append("</td><td>").append(esc(ReportNumbers.ms(rr.latency().p99Millis()))).append("</td><td>")
          .append(esc(MarkdownReport.objective(rr))).append("</td><td>")
          .append(esc(ReportNumbers.num(rr.availabilityPercent(), 2))).append(" %</td><td>")
          .append(esc(MarkdownReport.budget(rr))).append("</td><td>")
          .append(rr.verdict().notEnoughData() ? "–" : mark(rr.verdict().met())).append(rr.verdict().met() ? "" : " " + esc(RouteVerdicts.route(rr)))
          .append("</td></tr>");
    }
    h.append("</table></section>\n");

    RunReport.Oracle or = r.oracle();
    h.append("<section><h2>Oracle</h2><p>").append(esc(String.format("%d events persisted, %d in JetStream, %d applied to the read models.",
        or.persisted(), or.inStream(), or.appliedToReadModels()))).append(' ').append(mark(or.passed())).append("</p>");
    h.append("<table><tr><th>SSE feed</th><th>expected</th><th>delivered</th><th>duplicates</th><th>out of order</th></tr>");
    for (RunReport.FeedWatch w : or.watchers()) {
      h.append("<tr><td>").append(esc(w.feed())).append("</td><td>").append(w.expected()).append("</td><td>").append(w.delivered())
          .append("</td><td>").append(w.duplicates()).append("</td><td>").append(w.outOfOrder()).append("</td></tr>");
    }
    h.append("</table><ul>");
    or.discrepancies().forEach(d -> h.append("<li class=\"bad\">").append(esc(d)).append("</li>"));
    h.append("</ul></section>\n");

    h.append("<section><h2>What-if (M/M/c)</h2>");
    if (whatIf.isPresent()) {
      WhatIf w = whatIf.get();
      h.append("<p>").append(esc(String.format(
          "Service time %.2f ms CPU per request; the run: %.1f req/s on %d × %d cores (CPU %s busy); predicted capacity c μ %s req/s, "
              + "the run's probe measured a sustainable %s req/s; at the overload phase's CPU per request the capacity would be %s req/s.",
          w.serviceSecondsPerRequest() * 1000, w.runRatePerSecond(), w.runNodes(), w.coresPerNode(), ReportNumbers.pct(w.runCpuUtilisation()),
          ReportNumbers.num(w.predictedCapacityPerSecond(), 0), ReportNumbers.num(w.measuredSustainablePerSecond(), 0),
          ReportNumbers.num(w.loadedCapacityPerSecond(), 0)))).append("</p>");
      chart(h, "chart-whatif", "Predicted p95 against request rate per node count; capacity search measured where given");
      if (!w.capacity().isEmpty()) {
        h.append("<table><tr><th>offered req/s</th><th>utilisation</th><th>p95 predicted</th><th>p95 measured</th><th>error</th>"
            + "<th>p99 predicted</th><th>p99 measured</th><th>error</th><th>step's CPU per request</th></tr>");
        for (WhatIf.CapacityCheck c : w.capacity()) {
          h.append("<tr><td>").append(esc(ReportNumbers.num(c.offeredPerSecond(), 0))).append("</td><td>").append(esc(ReportNumbers.pct(c.utilisation())))
              .append("</td><td>").append(esc(ReportNumbers.ms(c.predictedP95Millis()))).append("</td><td>").append(esc(ReportNumbers.ms(c.measuredP95Millis())))
              .append("</td><td>").append(esc(ReportNumbers.pct(c.errorP95()))).append("</td><td>").append(esc(ReportNumbers.ms(c.predictedP99Millis())))
              .append("</td><td>").append(esc(ReportNumbers.ms(c.measuredP99Millis()))).append("</td><td>").append(esc(ReportNumbers.pct(c.errorP99())))
              .append("</td><td>").append(esc(ReportNumbers.ms(c.measuredCpuMillisPerRequest()))).append("</td></tr>");
        }
        h.append("</table>");
      }
      h.append("<ul>");
      whatIf.get().assumptions().forEach(a -> h.append("<li>").append(esc(a)).append("</li>"));
      h.append("</ul>");
    } else {
      h.append("<p>No prediction: the run did not measure the platform's CPU.</p>");
      chart(h, "chart-whatif", "(empty: no CPU measured)");
    }
    h.append("</section>\n");

    h.append(sections);
    h.append("<footer><p>Rendered charts: <span id=\"rendered-charts\"></span></p><pre id=\"errors\"></pre></footer>\n");
    h.append("<script type=\"application/json\" id=\"report-data\">").append(data).append("</script>\n");
    h.append("<script>").append(echarts()).append("</script>\n");
    h.append("<script>").append(PAGE_SCRIPT).append("</script>\n");
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  private static void chart(StringBuilder h, String id, String title) {
    h.append("<figure><figcaption>").append(esc(title)).append("</figcaption><div class=\"chart\" id=\"").append(id).append("\"></div></figure>");
  }

  private static String row(String a, String b) {
    return "<tr><td>" + esc(a) + "</td><td>" + b + "</td></tr>";
  }

  private static String mark(boolean ok) {
    return ok ? "<span class=\"ok\">✓</span>" : "<span class=\"bad\">✗</span>";
  }

  /** Text as HTML character data or attribute value. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** The figures the page script charts; NaN and infinities become null (JSON has neither). */
  static Map<String, Object> data(RunReport r, CostModel.Pricing pricing, Optional<WhatIf> whatIf) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("runId", r.runId());
    List<Map<String, Object>> windows = new ArrayList<>();
    for (RunReport.Window w : r.timeline()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("phase", w.phase());
      m.put("t", n(w.offsetSeconds()));
      m.put("route", w.route().equals("*") ? "*" : w.method() + " " + w.route());
      m.put("requests", w.requests());
      m.put("ok", w.ok());
      m.put("shed", w.shed());
      m.put("errors", w.errors());
      m.put("p50", n(w.p50Millis()));
      m.put("p95", n(w.p95Millis()));
      m.put("p99", n(w.p99Millis()));
      windows.add(m);
    }
    d.put("windows", windows);
    RunReport.Overload o = r.overload();
    d.put("overload", Map.of(
        "sustainable", n0(o.sustainablePerSecond()), "offered", n0(o.offeredPerSecond()), "goodput", n0(o.goodputPerSecond()),
        "shed", o.seconds() > 0 ? o.shed() / o.seconds() : 0, "errors", o.seconds() > 0 ? (o.otherErrors() + o.timeouts()) / o.seconds() : 0));
    List<Map<String, Object>> budgets = new ArrayList<>();
    for (RunReport.RouteResult rr : r.routes()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("route", rr.method() + " " + rr.route());
      if (rr.errorBudget() == null) {
        continue;
      }
      m.put("monthPercent", n(rr.errorBudget().monthConsumedExtrapolated() * 100));
      m.put("runPercent", n(rr.errorBudget().consumedInRun() * 100));
      budgets.add(m);
    }
    d.put("budgets", budgets);
    d.put("cost", estimateData(pricing.own()));
    List<Object> refs = new ArrayList<>();
    pricing.references().forEach(e -> refs.add(estimateData(e)));
    d.put("scale", refs);
    whatIf.ifPresent(w -> {
      Map<String, Object> m = new LinkedHashMap<>();
      List<Map<String, Object>> points = new ArrayList<>();
      for (WhatIf.Prediction p : w.predictions()) {
        points.add(Map.of("nodes", p.nodes(), "rate", n0(p.ratePerSecond()), "p95", n0(p.p95Millis()), "p99", n0(p.p99Millis())));
      }
      m.put("predictions", points);
      List<Map<String, Object>> measured = new ArrayList<>();
      for (WhatIf.CapacityCheck c : w.capacity()) {
        measured.add(Map.of("rate", n0(c.offeredPerSecond()), "p95", n0(c.measuredP95Millis())));
      }
      m.put("capacity", measured);
      m.put("run", Map.of("rate", n0(w.runRatePerSecond()), "p95", n0(w.measuredP95Millis())));
      d.put("whatIf", m);
    });
    return d;
  }

  private static Map<String, Object> estimateData(CostModel.Estimate e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", e.scenario().id());
    List<Map<String, Object>> providers = new ArrayList<>();
    for (CostModel.ProviderCost c : e.providers()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", c.providerName());
      p.put("total", n0(c.totalEur()));
      p.put("low", c.band().lowEur());
      p.put("high", c.band().highEur());
      p.put("expected", n0(c.band().expectedEur()));
      Map<String, Object> lines = new LinkedHashMap<>();
      c.lines().forEach(l -> lines.put(l.item(), n0(l.eurPerMonth())));
      p.put("lines", lines);
      providers.add(p);
    }
    m.put("providers", providers);
    return m;
  }

  private static Double n(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static double n0(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  /** JSON that cannot end its script element: &lt;, &gt;, &amp; and the JS line separators are written as \\u escapes. */
  static String json(Object value) {
    try {
      return JSON.writer().with(new ScriptSafe()).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("report data is not serialisable", e);
    }
  }

  private static final class ScriptSafe extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] escapes;

    ScriptSafe() {
      escapes = standardAsciiEscapesForJSON();
      escapes['<'] = ESCAPE_STANDARD;
      escapes['>'] = ESCAPE_STANDARD;
      escapes['&'] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return escapes;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return ch == 0x2028 ? new SerializedString("\\u2028") : ch == 0x2029 ? new SerializedString("\\u2029") : null;
    }
  }

  /** The page's style sheet; DrReport's page shares it. */
  static final String STYLE = text("report.css");

  /** Installed first: any script error or console.error lands in #errors, where a headless check reads it. */
  private static final String ERROR_HOOK = text("report-errors.js");

  /** Draws the charts from #report-data; static text, no data is ever interpolated into it. */
  private static final String PAGE_SCRIPT = text("report-charts.js");

  /** A file of ours beside this class in the resources: the page's own CSS and JavaScript. */
  private static String text(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the class path beside HtmlReport");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name, e);
    }
  }

  private static String echarts() {
    try (InputStream in = HtmlReport.class.getResourceAsStream(ECHARTS)) {
      if (in == null) {
        throw new IllegalStateException("ECharts is not on the class path (" + ECHARTS + "): the webjar org.webjars.npm:echarts is missing");
      }
      // a library that spelled "</script" would end our element early; in its strings and regexes "<\/" means the same
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?i)</script", "<\\\\/script");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + ECHARTS, e);
    }
  }




  /** Which build ran the scenario, with a link to its SBOM. */
  private static String sbom(RunReport.Sbom sbom) {
    if (sbom == null) {
      return "Build: no SBOM was found for the build that ran this scenario.";
    }
    return "Build: SBOM <a href=\"" + esc(java.nio.file.Path.of(sbom.path()).toUri().toString()) + "\">" + esc(sbom.path()) + "</a> ("
        + esc(sbom.serialNumber()) + ", SHA-256 <code>" + esc(sbom.sha256()) + "</code>, " + sbom.components() + " components).";
  }
}

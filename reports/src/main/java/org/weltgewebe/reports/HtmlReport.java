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
            r.scenario().id(), r.scenario().name(), r.startedAt(), Figures.num(r.settings().virtualHours(), 1),
            Figures.num(r.settings().virtualStartHour(), 0), Figures.num(r.settings().compression(), 0), r.settings().nodes(),
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
        own.scenario().id(), Figures.num(own.need().sessionsPerMonth(), 0), Figures.num(own.need().eventsPerMonth(), 0),
        Figures.num(own.need().coresAtPeak(), 3), pricing.utilisation() * 100, pricing.pricesDate()))).append("</p>");
    h.append("<table><tr><th>provider</th><th>€ / month</th><th>band S1 → S4</th><th>€ / 1,000 sessions</th><th>€ / session (&lt; €1)</th>"
        + "<th>€ / GB egress</th><th>€ / M events</th><th>edge quota</th><th>edge budget</th></tr>");
    for (CostModel.ProviderCost c : own.providers()) {
      h.append("<tr><td>").append(esc(c.providerName())).append("</td><td>").append(esc(Figures.eur(c.totalEur())))
          .append("</td><td>").append(esc(Figures.eur(c.band().lowEur()) + "–" + Figures.eur(c.band().highEur()) + ": " + c.band().position()))
          .append(c.band().why().isEmpty() ? "" : "<br><small>" + esc(c.band().why()) + "</small>")
          .append("</td><td>").append(esc(Figures.eur(c.eurPer1000Sessions())))
          .append("</td><td>").append(esc(Figures.eur(c.eurPerSession()))).append(' ').append(mark(c.sessionTargetMet()))
          .append("</td><td>").append(esc(Figures.eur(c.eurPerGBEgress())))
          .append("</td><td>").append(esc(Figures.eur(c.eurPerMillionEvents())))
          .append("</td><td>").append(esc(Figures.num(own.need().edgeQuotaPercent(), 1) + " %"))
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
      h.append("<tr><td>").append(esc(e.scenario().id())).append("</td><td>").append(esc(Figures.num(e.need().sessionsPerMonth(), 0)))
          .append("</td><td>").append(esc(Figures.num(e.need().coresAtPeak(), 3)))
          .append("</td><td>").append(esc(Figures.num(e.need().coresAtPeakMarginal(), 3))).append("</td>");
      for (CostModel.ProviderCost c : e.providers()) {
        h.append("<td>").append(esc(Figures.eur(c.totalEur()) + " (" + c.band().position() + ")"))
            .append(c.band().why().isEmpty() ? "" : "<br><small>" + esc(c.band().why()) + "</small>").append("</td>");
      }
      CostModel.Retention ret = e.retention();
      h.append("<td>").append(esc(Figures.num(ret.retainedDays(), 1) + " d, " + Figures.bytes(ret.retainedBytes()) + " at "
          + Figures.bytes(ret.bytesPerDay()) + "/day: " + ret.limitedBy())).append("</td></tr>");
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
        Figures.num(o.factor(), 1), Figures.num(o.sustainablePerSecond(), 1), Figures.num(o.seconds(), 0), Figures.num(o.goodputPerSecond(), 1),
        Figures.pct(o.goodputShare()), Figures.pct(o.shedShare()), Figures.ms(o.acceptedP99Millis()), Figures.ms(o.acceptedP99ObjectiveMillis()),
        Figures.ms(o.shedP99Millis())))).append(' ').append(mark(o.passed())).append("</p>");
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
          .append("</td><td>").append(esc(Figures.ms(rr.latency().p50Millis()))).append("</td><td>").append(esc(Figures.ms(rr.latency().p95Millis())))
          .append("</td><td>").append(esc(Figures.ms(rr.latency().p99Millis()))).append("</td><td>")
          .append(esc(MarkdownReport.objective(rr))).append("</td><td>")
          .append(esc(Figures.num(rr.availabilityPercent(), 2))).append(" %</td><td>")
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
          w.serviceSecondsPerRequest() * 1000, w.runRatePerSecond(), w.runNodes(), w.coresPerNode(), Figures.pct(w.runCpuUtilisation()),
          Figures.num(w.predictedCapacityPerSecond(), 0), Figures.num(w.measuredSustainablePerSecond(), 0),
          Figures.num(w.loadedCapacityPerSecond(), 0)))).append("</p>");
      chart(h, "chart-whatif", "Predicted p95 against request rate per node count; capacity search measured where given");
      if (!w.capacity().isEmpty()) {
        h.append("<table><tr><th>offered req/s</th><th>utilisation</th><th>p95 predicted</th><th>p95 measured</th><th>error</th>"
            + "<th>p99 predicted</th><th>p99 measured</th><th>error</th><th>step's CPU per request</th></tr>");
        for (WhatIf.CapacityCheck c : w.capacity()) {
          h.append("<tr><td>").append(esc(Figures.num(c.offeredPerSecond(), 0))).append("</td><td>").append(esc(Figures.pct(c.utilisation())))
              .append("</td><td>").append(esc(Figures.ms(c.predictedP95Millis()))).append("</td><td>").append(esc(Figures.ms(c.measuredP95Millis())))
              .append("</td><td>").append(esc(Figures.pct(c.errorP95()))).append("</td><td>").append(esc(Figures.ms(c.predictedP99Millis())))
              .append("</td><td>").append(esc(Figures.ms(c.measuredP99Millis()))).append("</td><td>").append(esc(Figures.pct(c.errorP99())))
              .append("</td><td>").append(esc(Figures.ms(c.measuredCpuMillisPerRequest()))).append("</td></tr>");
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

  static final String STYLE = """
      body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#1d2530}
      h1{font-size:1.6em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}
      table{border-collapse:collapse;margin:.6em 0;font-size:.92em}td,th{border:1px solid #d5d9e0;padding:.25em .5em;text-align:left;vertical-align:top}
      th{background:#f1f3f6}.ok{color:#17803d;font-weight:600}.bad{color:#b42318;font-weight:600}
      .chart{width:100%;height:340px}figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
      small{color:#555}#errors{color:#b42318;white-space:pre-wrap}footer{color:#666;font-size:.85em;margin-top:2em}
      """;

  /** Installed first: any script error or console.error lands in #errors, where a headless check reads it. */
  private static final String ERROR_HOOK = """
      (function(){
        function note(text){
          var write=function(){var e=document.getElementById('errors');if(e){e.textContent+=text+'\\n';}else{setTimeout(write,0);}};
          write();
        }
        window.onerror=function(msg,src,line,col){note('error: '+msg+' at '+src+':'+line+':'+col);};
        window.addEventListener('unhandledrejection',function(ev){note('unhandled rejection: '+ev.reason);});
        var original=console.error;
        console.error=function(){note('console.error: '+Array.prototype.join.call(arguments,' '));if(original){original.apply(console,arguments);}};
      })();
      """;

  /** Draws the charts from #report-data; static text, no data is ever interpolated into it. */
  private static final String PAGE_SCRIPT = """
      (function(){
        'use strict';
        var data=JSON.parse(document.getElementById('report-data').textContent);
        var rendered=[];
        function draw(id,option){
          var el=document.getElementById(id);
          var chart=echarts.init(el,null,{renderer:'canvas'});
          option.animation=false;
          chart.on('finished',function(){
            if(el.getAttribute('data-rendered')!=='true'){
              el.setAttribute('data-rendered','true');
              rendered.push(id);
              document.getElementById('rendered-charts').textContent=rendered.join(' ');
            }
          });
          chart.setOption(option);
          window.addEventListener('resize',function(){chart.resize();});
        }
        function phaseAreas(windows){
          var spans={};
          windows.forEach(function(w){
            if(w.route!=='*'){return;}
            var s=spans[w.phase]||(spans[w.phase]=[w.t,w.t+10]);
            s[0]=Math.min(s[0],w.t);s[1]=Math.max(s[1],w.t+10);
          });
          return Object.keys(spans).map(function(p){return [{name:p,xAxis:spans[p][0]},{xAxis:spans[p][1]}];});
        }
        // phases can share a 10-second window where one ends and the next begins: add their counts,
        // keep the latency of the busier one
        var byT={};
        data.windows.forEach(function(w){
          if(w.route!=='*'){return;}
          var a=byT[w.t];
          if(!a){byT[w.t]={t:w.t,requests:w.requests,ok:w.ok,shed:w.shed,p50:w.p50,p95:w.p95,p99:w.p99,busiest:w.requests};return;}
          a.requests+=w.requests;a.ok+=w.ok;a.shed+=w.shed;
          if(w.requests>a.busiest){a.busiest=w.requests;a.p50=w.p50;a.p95=w.p95;a.p99=w.p99;}
        });
        var all=Object.keys(byT).map(function(k){return byT[k];}).sort(function(a,b){return a.t-b.t;});
        function line(name,key,src){return {name:name,type:'line',showSymbol:false,connectNulls:false,data:src.map(function(w){return [w.t,w[key]];})};}
        var latency=[line('p50','p50',all),line('p95','p95',all),line('p99','p99',all)];
        latency[0].markArea={silent:true,itemStyle:{color:'rgba(120,140,180,0.08)',borderColor:'rgba(120,140,180,0.4)',borderWidth:1},
          label:{position:'insideTop',color:'#555'},data:phaseAreas(data.windows)};
        draw('chart-latency',{tooltip:{trigger:'axis'},legend:{},grid:{left:60,right:30},
          xAxis:{type:'value',name:'s',min:'dataMin'},yAxis:{type:'log',name:'ms',min:1},series:latency});

        var byRoute={};
        data.windows.forEach(function(w){if(w.route!=='*'&&w.phase==='main'){(byRoute[w.route]=byRoute[w.route]||[]).push(w);}});
        var routeSeries=Object.keys(byRoute).sort().map(function(r){
          var ws=byRoute[r].sort(function(a,b){return a.t-b.t;});
          return {name:r,type:'line',showSymbol:true,symbolSize:4,data:ws.map(function(w){return [w.t,w.p95];})};
        });
        draw('chart-latency-routes',{tooltip:{trigger:'item'},legend:{type:'scroll',bottom:0},grid:{left:60,right:30,bottom:60},
          xAxis:{type:'value',name:'s',min:'dataMin'},yAxis:{type:'log',name:'p95 ms',min:1},series:routeSeries});

        function rate(key){return all.map(function(w){return [w.t,w[key]/10];});}
        draw('chart-throughput',{tooltip:{trigger:'axis'},legend:{},grid:{left:60,right:60},
          xAxis:{type:'value',name:'s',min:'dataMin'},
          yAxis:[{type:'value',name:'req/s'},{type:'value',name:'shed %',max:100,min:0}],
          series:[{name:'requests',type:'line',showSymbol:false,data:rate('requests')},
                  {name:'ok',type:'line',showSymbol:false,data:rate('ok')},
                  {name:'shed',type:'line',showSymbol:false,data:rate('shed')},
                  {name:'shed rate',type:'line',yAxisIndex:1,showSymbol:false,lineStyle:{type:'dashed'},
                   data:all.map(function(w){return [w.t,w.requests>0?100*w.shed/w.requests:0];})}]});

        var o=data.overload;
        draw('chart-overload',{tooltip:{},grid:{left:60,right:30},xAxis:{type:'category',data:['offered','goodput','shed','errors']},
          yAxis:{type:'value',name:'req/s'},
          series:[{type:'bar',data:[o.offered,o.goodput,o.shed,o.errors],
            markLine:{symbol:'none',data:[{yAxis:o.sustainable,name:'sustainable'}],label:{position:'insideEndTop',formatter:'sustainable {c}'}}}]});

        draw('chart-budget',{tooltip:{},grid:{left:60,right:30,bottom:120},
          xAxis:{type:'category',data:data.budgets.map(function(b){return b.route;}),axisLabel:{rotate:40,fontSize:10}},
          yAxis:{type:'value',name:'% of month'},
          series:[{name:'month (extrapolated)',type:'bar',data:data.budgets.map(function(b){return b.monthPercent;}),
            markLine:{symbol:'none',data:[{yAxis:1,name:'alert'},{yAxis:5,name:'escalate'}]}}]});

        var providers=data.cost.providers;
        var items=providers.length?Object.keys(providers[0].lines):[];
        var costSeries=items.map(function(item){return {name:item,type:'bar',stack:'cost',data:providers.map(function(p){return p.lines[item];})};});
        costSeries.push({name:'band at this scenario',type:'scatter',symbol:'rect',symbolSize:[40,3],data:providers.map(function(p){return p.expected;})});
        draw('chart-cost',{tooltip:{trigger:'axis'},legend:{},grid:{left:70,right:30},
          xAxis:{type:'category',data:providers.map(function(p){return p.name;})},yAxis:{type:'value',name:'€ / month'},series:costSeries});

        var scenarios=data.scale.map(function(e){return e.scenario;});
        var scaleSeries=[];
        if(data.scale.length){
          data.scale[0].providers.forEach(function(p,i){
            scaleSeries.push({name:p.name,type:'line',data:data.scale.map(function(e){return e.providers[i].total;})});
            scaleSeries.push({name:p.name+' band',type:'line',lineStyle:{type:'dashed'},showSymbol:false,
              data:scenarios.map(function(s,k){return k===0?p.low:(k===scenarios.length-1?p.high:null);}),connectNulls:true});
          });
        }
        draw('chart-scale',{tooltip:{trigger:'axis'},legend:{},grid:{left:70,right:30},
          xAxis:{type:'category',data:scenarios},yAxis:{type:'log',name:'€ / month',min:1},series:scaleSeries});

        var w=data.whatIf;
        var whatIfSeries=[];
        if(w){
          var byNodes={};
          w.predictions.forEach(function(p){(byNodes[p.nodes]=byNodes[p.nodes]||[]).push([p.rate,p.p95]);});
          Object.keys(byNodes).forEach(function(n){whatIfSeries.push({name:n+' node(s), predicted p95',type:'line',data:byNodes[n]});});
          whatIfSeries.push({name:'this run',type:'scatter',symbolSize:10,data:[[w.run.rate,w.run.p95]]});
          if(w.capacity.length){whatIfSeries.push({name:'capacity search, measured p95',type:'scatter',symbol:'diamond',symbolSize:9,
            data:w.capacity.map(function(c){return [c.rate,c.p95];})});}
        }
        draw('chart-whatif',{tooltip:{trigger:'item'},legend:{},grid:{left:60,right:30},
          xAxis:{type:'value',name:'req/s'},yAxis:{type:'log',name:'p95 ms',min:1},series:whatIfSeries});
      })();
      """;

  /** Which build ran the scenario, with a link to its SBOM. */
  private static String sbom(RunReport.Sbom sbom) {
    if (sbom == null) {
      return "Build: no SBOM was found for the build that ran this scenario.";
    }
    return "Build: SBOM <a href=\"" + esc(java.nio.file.Path.of(sbom.path()).toUri().toString()) + "\">" + esc(sbom.path()) + "</a> ("
        + esc(sbom.serialNumber()) + ", SHA-256 <code>" + esc(sbom.sha256()) + "</code>, " + sbom.components() + " components).";
  }
}

package org.weltgewebe.reports;

import java.util.Optional;

/**
 * {@code report.md}: a run for a pull request or a ticket. Verdicts first (what a reviewer needs),
 * then the KPIs of the cost model, then the per-route table; details after.
 */
public final class MarkdownReport {
  private MarkdownReport() {}

  /** The Markdown text of one run. */
  public static String render(RunReport r, CostModel.Pricing pricing, Optional<WhatIf> whatIf) {
    return render(r, pricing, whatIf, "");
  }

  /** The Markdown text of one run with {@code sections} (Markdown, e.g. a proxied run's topology) before the assumptions. */
  public static String render(RunReport r, CostModel.Pricing pricing, Optional<WhatIf> whatIf, String sections) {
    StringBuilder md = new StringBuilder();
    RunReport.Verdict v = r.verdict();
    md.append("# ").append(ReportNumbers.cell(r.runId())).append(": ").append(v.passed() ? "PASSED" : "FAILED").append("\n\n");
    md.append(String.format("Scenario %s (%s), %s; %s virtual h from %s:00 at %sx; %d node(s) on %s.%n%n",
        ReportNumbers.cell(r.scenario().id()), ReportNumbers.cell(r.scenario().name()), r.startedAt(), ReportNumbers.num(r.settings().virtualHours(), 1),
        ReportNumbers.num(r.settings().virtualStartHour(), 0), ReportNumbers.num(r.settings().compression(), 0), r.settings().nodes(),
        ReportNumbers.cell(r.settings().host())));
    md.append(sbomLine(r.sbom())).append("\n\n");

    md.append("## Verdicts\n\n");
    if (r.verdict().abortedEarly() != null && !r.verdict().abortedEarly().isEmpty()) {
      md.append("**Aborted early:** ").append(ReportNumbers.cell(r.verdict().abortedEarly())).append("\n\n");
    }
    md.append("| check | result |\n|---|---|\n");
    md.append("| SLOs per route | ").append(r.slosVoidBecause().isPresent() ? "void: " + r.slosVoidBecause().get() : ReportNumbers.mark(v.slosMet())).append(" |\n");
    md.append("| load shedding under overload | ").append(ReportNumbers.mark(v.sheddingPassed())).append(" |\n");
    md.append("| consistency oracle | ").append(ReportNumbers.mark(v.oraclePassed())).append(" |\n\n");
    for (String f : v.failures()) {
      md.append("- ✗ ").append(ReportNumbers.cell(f)).append('\n');
    }
    if (!v.failures().isEmpty()) {
      md.append('\n');
    }

    CostModel.Estimate own = pricing.own();
    md.append("## KPIs\n\n");
    md.append(String.format("Scenario %s at its real volume: %s sessions and %s events per month; %s cores at the peak hour, "
            + "sized for %.0f %% utilisation. Prices of %s.%n%n",
        ReportNumbers.cell(own.scenario().id()), ReportNumbers.num(own.need().sessionsPerMonth(), 0), ReportNumbers.num(own.need().eventsPerMonth(), 0),
        ReportNumbers.num(own.need().coresAtPeak(), 3), pricing.utilisation() * 100, pricing.pricesDate()));
    md.append("| provider | € / month | band (S1 → S4) | € / 1,000 sessions | € / session (< €1) | € / GB egress | € / M events | edge quota | edge budget |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (CostModel.ProviderCost c : own.providers()) {
      md.append("| ").append(ReportNumbers.cell(c.providerName()))
          .append(" | ").append(ReportNumbers.eur(c.totalEur()))
          .append(" | ").append(ReportNumbers.eur(c.band().lowEur())).append("–").append(ReportNumbers.eur(c.band().highEur()))
          .append(": ").append(c.band().position())
          .append(" | ").append(ReportNumbers.eur(c.eurPer1000Sessions()))
          .append(" | ").append(ReportNumbers.eur(c.eurPerSession())).append(' ').append(ReportNumbers.mark(c.sessionTargetMet()))
          .append(" | ").append(ReportNumbers.eur(c.eurPerGBEgress()))
          .append(" | ").append(ReportNumbers.eur(c.eurPerMillionEvents()))
          .append(" | ").append(ReportNumbers.num(own.need().edgeQuotaPercent(), 1)).append(" %")
          .append(" | ").append(ReportNumbers.mark(c.edge().withinDeltaLimit())).append(' ').append(ReportNumbers.cell(c.edge().note()))
          .append(" |\n");
    }
    md.append('\n');
    for (CostModel.ProviderCost c : own.providers()) {
      if (!c.band().why().isEmpty()) {
        md.append("- ").append(ReportNumbers.cell(c.providerName())).append(": ").append(c.band().position())
            .append(String.format(" (%.1f× the scenario's point of the band, %s): ", c.band().ratioToExpected(), ReportNumbers.eur(c.band().expectedEur())))
            .append(ReportNumbers.cell(c.band().why())).append('\n');
      }
    }
    md.append('\n');
    md.append("Cost lines:\n\n| provider | item | detail | € / month |\n|---|---|---|---|\n");
    for (CostModel.ProviderCost c : own.providers()) {
      for (CostModel.Line l : c.lines()) {
        md.append("| ").append(ReportNumbers.cell(c.providerName())).append(" | ").append(l.item()).append(" | ")
            .append(ReportNumbers.cell(l.detail())).append(" | ").append(ReportNumbers.eur(l.eurPerMonth())).append(" |\n");
      }
    }
    md.append('\n');

    md.append("### S1–S4 at this run's measurements\n\n");
    md.append("| scenario | sessions / month | cores at peak | cores at peak (marginal) |");
    for (CostModel.ProviderCost c : own.providers()) {
      md.append(' ').append(ReportNumbers.cell(c.providerName())).append(" € / month |");
    }
    md.append(" JetStream retention |\n|---|---|---|---|");
    own.providers().forEach(c -> md.append("---|"));
    md.append("---|\n");
    for (CostModel.Estimate e : pricing.references()) {
      md.append("| ").append(e.scenario().id()).append(" | ").append(ReportNumbers.num(e.need().sessionsPerMonth(), 0))
          .append(" | ").append(ReportNumbers.num(e.need().coresAtPeak(), 3))
          .append(" | ").append(ReportNumbers.num(e.need().coresAtPeakMarginal(), 3)).append(" |");
      for (CostModel.ProviderCost c : e.providers()) {
        md.append(' ').append(ReportNumbers.eur(c.totalEur())).append(" (").append(c.band().position()).append(") |");
      }
      CostModel.Retention ret = e.retention();
      md.append(' ').append(ReportNumbers.num(ret.retainedDays(), 1)).append(" d, ").append(ReportNumbers.bytes(ret.retainedBytes()))
          .append(" at ").append(ReportNumbers.bytes(ret.bytesPerDay())).append("/day: ").append(ret.limitedBy()).append(" |\n");
    }
    md.append('\n');
    for (CostModel.Estimate e : pricing.references()) {
      for (CostModel.ProviderCost c : e.providers()) {
        if (!c.band().why().isEmpty() && !c.band().position().equals("within band")) {
          md.append("- ").append(e.scenario().id()).append(", ").append(ReportNumbers.cell(c.providerName())).append(": ")
              .append(c.band().position()).append(" — ").append(ReportNumbers.cell(c.band().why())).append('\n');
        }
      }
    }
    md.append('\n');

    md.append("## Routes (main phase)\n\n");
    r.slosVoidBecause().ifPresent(why -> md.append("**The SLO verdicts below are void: ").append(why).append(".**\n\n"));
    md.append(RouteVerdicts.DATA_NEEDED).append("\n\n");
    md.append("| route | requests | ok | shed | errors | p50 | p95 | p99 | objective p95 / p99 | availability | month's budget burnt | verdict |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (RunReport.RouteResult rr : r.routes()) {
      md.append("| ").append(ReportNumbers.cell(rr.method() + " " + rr.route()))
          .append(" | ").append(rr.requests()).append(" | ").append(rr.ok()).append(" | ").append(rr.shed())
          .append(" | ").append(rr.clientErrors() + rr.serverErrors() + rr.timeouts())
          .append(" | ").append(ReportNumbers.ms(rr.latency().p50Millis()))
          .append(" | ").append(ReportNumbers.ms(rr.latency().p95Millis()))
          .append(" | ").append(ReportNumbers.ms(rr.latency().p99Millis()))
          .append(" | ").append(objective(rr))
          .append(" | ").append(ReportNumbers.num(rr.availabilityPercent(), 2)).append(" %")
          .append(" | ").append(MarkdownReport.budget(rr))
          .append(" | ").append(rr.verdict().notEnoughData() ? "–" : ReportNumbers.mark(rr.verdict().met()))
          .append(rr.verdict().met() ? "" : " " + ReportNumbers.cell(RouteVerdicts.route(rr)))
          .append(" |\n");
    }
    md.append('\n');

    RunReport.Overload o = r.overload();
    md.append("## Overload\n\n");
    md.append(String.format("%s× the sustainable %s req/s (%s) for %s s: %d offered, %d ok, %d shed (%s), %d other errors, %d timeouts; "
            + "goodput %s req/s (%s of sustainable); accepted p99 %s (objective %s), shed p99 %s. %s%n%n",
        ReportNumbers.num(o.factor(), 1), ReportNumbers.num(o.sustainablePerSecond(), 1), ReportNumbers.cell(o.sustainableSource()), ReportNumbers.num(o.seconds(), 0),
        o.offered(), o.ok(), o.shed(), ReportNumbers.pct(o.shedShare()), o.otherErrors(), o.timeouts(), ReportNumbers.num(o.goodputPerSecond(), 1),
        ReportNumbers.pct(o.goodputShare()), ReportNumbers.ms(o.acceptedP99Millis()), ReportNumbers.ms(o.acceptedP99ObjectiveMillis()), ReportNumbers.ms(o.shedP99Millis()),
        o.passed() ? "Passed." : "Failed."));
    if (o.generatorLimited()) {
      md.append("Generator-limited: ").append(ReportNumbers.cell(o.note())).append("\n\n");
    }

    RunReport.Oracle or = r.oracle();
    md.append("## Oracle\n\n");
    md.append(String.format("%d events persisted, %d in JetStream, %d applied to the read models. %s%n%n",
        or.persisted(), or.inStream(), or.appliedToReadModels(), or.passed() ? "Passed." : "Failed."));
    if (or.recount() != null) {
      RunReport.Recount rc = or.recount();
      md.append(String.format("Recounted from the journal against the read models: %d proposals (%d closed, their tallies"
          + " recomputed), %d direct votes, %d community accounts with %d movements.%n%n",
          rc.proposals(), rc.closedProposals(), rc.directVotes(), rc.accounts(), rc.movements()));
    }
    if (!or.watchers().isEmpty()) {
      md.append("| SSE feed | expected | delivered | duplicates | out of order |\n|---|---|---|---|---|\n");
      for (RunReport.FeedWatch w : or.watchers()) {
        md.append("| ").append(ReportNumbers.cell(w.feed())).append(" | ").append(w.expected()).append(" | ").append(w.delivered())
            .append(" | ").append(w.duplicates()).append(" | ").append(w.outOfOrder()).append(" |\n");
      }
      md.append('\n');
    }
    or.discrepancies().forEach(d -> md.append("- ").append(ReportNumbers.cell(d)).append('\n'));

    whatIf.ifPresent(w -> {
      md.append("## What-if (M/M/c)\n\n");
      md.append(String.format("Service time %.2f ms CPU per request; the run: %.1f req/s on %d × %d cores, CPU %s busy; "
              + "measured p95 %s, p99 %s over all routes.%n%n",
          w.serviceSecondsPerRequest() * 1000, w.runRatePerSecond(), w.runNodes(), w.coresPerNode(), ReportNumbers.pct(w.runCpuUtilisation()),
          ReportNumbers.ms(w.measuredP95Millis()), ReportNumbers.ms(w.measuredP99Millis())));
      md.append(String.format("Predicted capacity c μ: %s req/s; the run's probe measured a sustainable %s req/s; at the overload "
              + "phase's CPU per request the capacity would be %s req/s.%n%n",
          ReportNumbers.num(w.predictedCapacityPerSecond(), 0), ReportNumbers.num(w.measuredSustainablePerSecond(), 0), ReportNumbers.num(w.loadedCapacityPerSecond(), 0)));
      md.append("| nodes | rate req/s | utilisation | p95 | p99 | nodes' € / month |\n|---|---|---|---|---|---|\n");
      for (WhatIf.Prediction p : w.predictions()) {
        if (p.utilisation() == 0.3 || p.utilisation() == 0.6 || p.utilisation() == 0.9) {
          StringBuilder cost = new StringBuilder();
          p.cost().forEach(c -> cost.append(cost.length() > 0 ? ", " : "").append(c.providerId()).append(' ').append(ReportNumbers.eur(c.eurPerMonth())));
          md.append("| ").append(p.nodes()).append(" | ").append(ReportNumbers.num(p.ratePerSecond(), 0)).append(" | ")
              .append(ReportNumbers.pct(p.utilisation())).append(" | ").append(ReportNumbers.ms(p.p95Millis())).append(" | ")
              .append(ReportNumbers.ms(p.p99Millis())).append(" | ").append(cost).append(" |\n");
        }
      }
      md.append('\n');
      md.append("Per route on the run's nodes (the route's measured p95 plus the model's extra queueing delay):\n\n");
      md.append("| route | share of requests | p95 measured | p95 at 2× the rate | p95 at 5× the rate |\n|---|---|---|---|---|\n");
      for (WhatIf.RoutePrediction rp : w.routes()) {
        md.append("| ").append(ReportNumbers.cell(rp.method() + " " + rp.route())).append(" | ").append(ReportNumbers.pct(rp.shareOfRequests()))
            .append(" | ").append(ReportNumbers.ms(rp.measuredP95Millis())).append(" | ").append(ReportNumbers.ms(rp.p95AtDoubleMillis()))
            .append(" | ").append(ReportNumbers.ms(rp.p95AtFiveTimesMillis())).append(" |\n");
      }
      md.append('\n');
      if (!w.capacity().isEmpty()) {
        md.append("Against the capacity search:\n\n| offered req/s | utilisation | p95 predicted | p95 measured | error | p99 predicted | p99 measured | error | step's CPU per request |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (WhatIf.CapacityCheck c : w.capacity()) {
          md.append("| ").append(ReportNumbers.num(c.offeredPerSecond(), 0)).append(" | ").append(ReportNumbers.pct(c.utilisation()))
              .append(" | ").append(ReportNumbers.ms(c.predictedP95Millis())).append(" | ").append(ReportNumbers.ms(c.measuredP95Millis()))
              .append(" | ").append(ReportNumbers.pct(c.errorP95())).append(" | ").append(ReportNumbers.ms(c.predictedP99Millis()))
              .append(" | ").append(ReportNumbers.ms(c.measuredP99Millis())).append(" | ").append(ReportNumbers.pct(c.errorP99()))
              .append(" | ").append(ReportNumbers.ms(c.measuredCpuMillisPerRequest())).append(" |\n");
        }
        md.append('\n');
      }
      w.assumptions().forEach(a -> md.append("- ").append(ReportNumbers.cell(a)).append('\n'));
      md.append('\n');
    });

    md.append(sections);
    md.append("## Assumptions of the cost model\n\n");
    pricing.assumptions().forEach(a -> md.append("- ").append(ReportNumbers.cell(a)).append('\n'));
    return md.toString();
  }

  /** A route's objective, or a dash when it has none. */
  static String objective(RunReport.RouteResult r) {
    return r.objective() == null ? "–" : r.objective().p95Millis() + " / " + r.objective().p99Millis() + " ms";
  }

  /** The share of the month's error budget the route's error rate would burn, with its alert level. */
  static String budget(RunReport.RouteResult r) {
    return r.errorBudget() == null ? "–" : ReportNumbers.pct(r.errorBudget().monthConsumedExtrapolated()) + " " + r.errorBudget().alert();
  }

  /** Which build ran the scenario: its SBOM's path, serial number and hash, or that none was found. */
  static String sbomLine(RunReport.Sbom sbom) {
    return sbom == null
        ? "Build: no SBOM was found for the build that ran this scenario."
        : String.format("Build: SBOM `%s` (%s, SHA-256 %s, %d components).",
            ReportNumbers.cell(sbom.path()), ReportNumbers.cell(sbom.serialNumber()), sbom.sha256(), sbom.components());
  }
}

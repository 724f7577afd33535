package org.weltgewebe.reports;

import java.util.Locale;

/** The cost model's result as plain text for a terminal ({@code weltgewebe report cost}). */
public final class CostTable {
  private CostTable() {}

  /** The run's own scenario per provider with its lines and KPIs, then S1–S4 at the same measurements. */
  public static String format(CostModel.Pricing p) {
    StringBuilder b = new StringBuilder();
    CostModel.Estimate own = p.own();
    b.append(String.format(Locale.ROOT, "run %s, scenario %s at its real volume: %s sessions/month, %s events/month; prices of %s; "
            + "nodes sized for %.0f %% utilisation%n",
        p.usage().runId(), own.scenario().id(), ReportNumbers.num(own.need().sessionsPerMonth(), 0), ReportNumbers.num(own.need().eventsPerMonth(), 0),
        p.pricesDate(), p.utilisation() * 100));
    b.append(String.format(Locale.ROOT, "measured: %s CPU s per session, %s API bytes per session, %s per tile, heap max %s, "
            + "%s journal per event, %s per stream message%n%n",
        ReportNumbers.num(p.usage().cpuSecondsPerSession(), 3), ReportNumbers.bytes(p.usage().apiBytesPerSession()), ReportNumbers.bytes(p.usage().tileBytesPerHit()),
        ReportNumbers.bytes(p.usage().heapMaxBytes()), ReportNumbers.bytes(p.usage().journalBytesPerEvent()), ReportNumbers.bytes(p.usage().streamBytesPerMessage())));
    for (CostModel.ProviderCost c : own.providers()) {
      b.append(c.providerName()).append('\n');
      for (CostModel.Line l : c.lines()) {
        b.append(String.format(Locale.ROOT, "  %-9s %10s  %s%n", l.item(), ReportNumbers.eur(l.eurPerMonth()), l.detail()));
      }
      b.append(String.format(Locale.ROOT, "  %-9s %10s  band %s–%s: %s%s%n", "total", ReportNumbers.eur(c.totalEur()), ReportNumbers.eur(c.band().lowEur()),
          ReportNumbers.eur(c.band().highEur()), c.band().position(), c.band().why().isEmpty() ? "" : " — " + c.band().why()));
      b.append(String.format(Locale.ROOT, "  € per 1,000 sessions %s · € per session %s (target < €1: %s) · € per GB egress %s · "
              + "€ per million events %s · edge quota %.1f %% · edge budget: %s%n%n",
          ReportNumbers.eur(c.eurPer1000Sessions()), ReportNumbers.eur(c.eurPerSession()), c.sessionTargetMet() ? "met" : "missed",
          ReportNumbers.eur(c.eurPerGBEgress()), ReportNumbers.eur(c.eurPerMillionEvents()), own.need().edgeQuotaPercent(), c.edge().note()));
    }
    b.append(String.format(Locale.ROOT, "%-4s %12s %10s %10s", "S", "sessions/mo", "cores", "marginal"));
    own.providers().forEach(c -> b.append(String.format(Locale.ROOT, " %24s", c.providerId() + " €/month")));
    b.append("  JetStream retention\n");
    for (CostModel.Estimate e : p.references()) {
      b.append(String.format(Locale.ROOT, "%-4s %12s %10s %10s", e.scenario().id(), ReportNumbers.num(e.need().sessionsPerMonth(), 0),
          ReportNumbers.num(e.need().coresAtPeak(), 3), ReportNumbers.num(e.need().coresAtPeakMarginal(), 3)));
      e.providers().forEach(c -> b.append(String.format(Locale.ROOT, " %24s", ReportNumbers.eur(c.totalEur()) + " (" + c.band().position().replace(" band", "") + ")")));
      CostModel.Retention r = e.retention();
      b.append(String.format(Locale.ROOT, "  %s d, %s (%s/day): %s%n", ReportNumbers.num(r.retainedDays(), 1), ReportNumbers.bytes(r.retainedBytes()), ReportNumbers.bytes(r.bytesPerDay()), r.limitedBy()));
    }
    b.append('\n');
    p.assumptions().forEach(a -> b.append("- ").append(a).append('\n'));
    return b.toString();
  }
}

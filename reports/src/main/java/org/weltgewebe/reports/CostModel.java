package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Prices a scenario's real monthly volume from what a run measured per session and per event.
 *
 * <p>The model, step by step (every constant below is named and printed with the estimate):
 *
 * <ol>
 *   <li>Cores at the peak hour = CPU seconds per session (main phase) × sessions per day × the
 *       scenario's peak-hour factor / 86,400 s; divided by the target utilisation (default 60 %).
 *   <li>Nodes: for every instance type whose RAM holds {@link #RAM_PER_HEAP} × the measured heap
 *       (at least {@link #MIN_NODE_RAM_GIB} GiB), ⌈cores / vCPUs⌉ nodes (at least one); the cheapest
 *       type wins.
 *   <li>Database: PostgreSQL (and, at Hetzner, NATS beside it) is not measured by the run, so its
 *       cores are taken as {@link #DB_CORES_PER_APP_CORE} of the nodes' and the smallest plan with
 *       that many vCPUs is used. Storage: {@link #STORAGE_MONTHS} months of journal growth (measured
 *       bytes per persisted event) plus the JetStream stream at its retention.
 *   <li>Egress: API bytes per session (measured, client side), tile bytes per hit (measured) × the
 *       scenario's tile hits, page bytes per session (modelled: the SSR frontend is not part of this
 *       platform). With an edge, tiles (immutable) and pages (HTML with s-maxage=600 and their
 *       assets) come from the CDN — their share of all bytes is the edge quota — and only the API
 *       bytes leave the origin; without, all bytes do. Origin traffic beyond what the nodes include
 *       is charged per GB.
 * </ol>
 */
public final class CostModel {
  /** The node utilisation the estimate sizes for unless told otherwise. */
  public static final double DEFAULT_UTILISATION = 0.60;
  /** Days in the month the KPIs are priced for (providers bill a 30-day month's cap). */
  public static final double DAYS_PER_MONTH = 30;
  /** JetStream's limits on the event stream (SPEC.md): max_bytes 100 GiB, max_age 30 days. */
  public static final double STREAM_MAX_BYTES = 100.0 * (1L << 30);
  public static final double STREAM_MAX_AGE_DAYS = 30;
  /** The customer's target: below €1 per session. */
  public static final double SESSION_TARGET_EUR = 1.0;
  /** Edge budget (SPEC.md): 30-day opex delta at most 10 %; roll back above 15 % without a ≥ 150 ms gain. */
  public static final double EDGE_OPEX_DELTA_LIMIT = 0.10;
  public static final double EDGE_ROLLBACK_DELTA = 0.15;
  public static final int EDGE_ROLLBACK_GAIN_MILLIS = 150;
  /** A node needs room beside its heap (metaspace, threads, direct buffers, the OS). */
  static final double RAM_PER_HEAP = 2.0;
  static final double MIN_NODE_RAM_GIB = 2.0;
  /** Assumption, not measured: the database needs half the cores of the nodes it serves. */
  static final double DB_CORES_PER_APP_CORE = 0.5;
  /** Storage is priced for the journal a year of traffic leaves (it is never deleted). */
  static final int STORAGE_MONTHS = 12;
  static final double GB = 1e9;
  static final double GIB = 1L << 30;

  private CostModel() {}

  /** One priced item of a provider's month. */
  public record Line(String item, String detail, double eurPerMonth) {}

  /** What the scenario needs per month at the target utilisation, before any provider. */
  public record Need(
      double sessionsPerMonth,
      double eventsPerMonth,
      double coresAtPeak,
      double coresAtPeakMarginal,
      double coresNeeded,
      double ramPerNodeGiB,
      double apiBytesPerMonth,
      double tileBytesPerMonth,
      double pageBytesPerMonth,
      double journalBytesAfterStorageMonths,
      double edgeQuotaPercent) {
    public double egressBytesPerMonth() {
      return apiBytesPerMonth + tileBytesPerMonth + pageBytesPerMonth;
    }

    public double edgeBytesPerMonth() {
      return tileBytesPerMonth + pageBytesPerMonth;
    }
  }

  /**
   * The stream's retention at a scenario's volume: messages and bytes per day, how many days fit
   * into {@code max_bytes}, and which limit ends retention first.
   */
  public record Retention(
      String scenarioId, double messagesPerDay, double bytesPerMessage, double bytesPerDay, double daysInMaxBytes,
      double retainedDays, double retainedBytes, String limitedBy) {}

  /** The customer's band for a provider and where the estimate falls in it. */
  public record BandPosition(
      double lowEur, double highEur, double expectedEur, String position, double ratioToExpected, String why) {}

  /** The verdict of the edge-budget rules for one provider. */
  public record EdgeBudget(double opexDeltaShare, boolean withinDeltaLimit, boolean rollbackRuleApplies, String note) {}

  /** One provider's month. */
  public record ProviderCost(
      String providerId,
      String providerName,
      String appInstance,
      int appNodes,
      String databasePlan,
      List<Line> lines,
      double totalEur,
      double totalWithoutEdgeEur,
      double eurPerSession,
      double eurPer1000Sessions,
      double eurPerGBEgress,
      double eurPerMillionEvents,
      boolean sessionTargetMet,
      BandPosition band,
      EdgeBudget edge) {}

  /** The estimate for one scenario. */
  public record Estimate(
      ScenarioVolume scenario, double utilisation, Need need, Retention retention, List<ProviderCost> providers) {}

  /** The whole picture for a run: its own scenario, then S1–S4 at the same measurements. */
  public record Pricing(
      RunUsage usage, String pricesDate, double utilisation, Estimate own, List<Estimate> references, List<String> assumptions) {}

  /** Prices {@code report}'s scenario and the reference scenarios S1–S4 with the current price list. */
  public static Pricing price(RunReport report, double utilisation) {
    return price(report, Prices.current(), utilisation);
  }

  /** Prices {@code report}'s scenario and the reference scenarios S1–S4 with {@code prices}. */
  public static Pricing price(RunReport report, Prices prices, double utilisation) {
    if (!(utilisation > 0 && utilisation <= 1)) {
      throw new IllegalArgumentException("target utilisation must be in (0, 1], got " + utilisation);
    }
    RunUsage usage = RunUsage.of(report);
    Estimate own = estimate(usage, ScenarioVolume.of(report.scenario()), prices, utilisation);
    List<Estimate> refs = new ArrayList<>();
    for (ScenarioVolume v : ScenarioVolume.references()) {
      refs.add(estimate(usage, v, prices, utilisation));
    }
    return new Pricing(usage, prices.date(), utilisation, own, List.copyOf(refs), assumptions(usage, utilisation));
  }

  /** The assumptions printed with every estimate. */
  static List<String> assumptions(RunUsage usage, double utilisation) {
    List<String> a = new ArrayList<>();
    a.add("CPU per session: " + usage.cpuBasis() + ", over " + usage.sessions() + " sessions.");
    if (Double.isFinite(usage.loadedCpuSecondsPerRequest())) {
      a.add(String.format(java.util.Locale.ROOT, "The main phase's CPU includes a node's fixed background work; on a busy node (overload phase) a request "
          + "cost %.2f ms CPU against the main phase's %.2f ms. \"cores at peak (marginal)\" prices that: the nodes are sized "
          + "with the main phase's figure, an upper bound.", usage.loadedCpuSecondsPerRequest() * 1000, usage.cpuSecondsPerRequest() * 1000));
    }
    a.add(String.format("Nodes sized for the peak hour at %.0f %% utilisation; RAM per node ≥ %.0f × measured heap (≥ %.0f GiB).",
        utilisation * 100, RAM_PER_HEAP, MIN_NODE_RAM_GIB));
    a.add(String.format("Database not measured by the run: its cores taken as %.1f × the nodes'; storage for %d months of journal "
        + "plus the stream at its retention.", DB_CORES_PER_APP_CORE, STORAGE_MONTHS));
    a.add("Edge: a CDN serves tiles (immutable) and pages (HTML s-maxage=600 and assets); its misses are not priced. Pages are "
        + "modelled bytes (the SSR frontend is not part of this platform and its compute is not priced).");
    a.add("One month = 30 days; prices without VAT.");
    return List.copyOf(a);
  }

  /** Prices one scenario volume with one run's measurements. */
  public static Estimate estimate(RunUsage usage, ScenarioVolume v, Prices prices, double utilisation) {
    Need need = need(usage, v, utilisation);
    Retention retention = retention(v, usage.streamBytesPerMessage());
    List<ProviderCost> costs = new ArrayList<>();
    for (Prices.Provider p : prices.providers()) {
      costs.add(providerCost(p, v, need, retention, usage));
    }
    return new Estimate(v, utilisation, need, retention, List.copyOf(costs));
  }

  static Need need(RunUsage usage, ScenarioVolume v, double utilisation) {
    double sessionsPerMonth = v.sessionsPerDay() * DAYS_PER_MONTH;
    double coresAtPeak = usage.cpuSecondsPerSession() * v.sessionsPerDay() * v.peakHourFactor() / 86_400;
    double marginal = usage.loadedCpuSecondsPerRequest() * usage.requestsPerSession() * v.sessionsPerDay() * v.peakHourFactor() / 86_400;
    double ramPerNode = Math.max(MIN_NODE_RAM_GIB, Double.isFinite(usage.heapMaxBytes()) ? RAM_PER_HEAP * usage.heapMaxBytes() / GIB : 0);
    double api = finiteOr0(usage.apiBytesPerSession()) * sessionsPerMonth;
    double tiles = finiteOr0(usage.tileBytesPerHit()) * v.tileHitsPerDay() * DAYS_PER_MONTH;
    double pages = v.pageBytesPerSession() * sessionsPerMonth;
    double journal = finiteOr0(usage.journalBytesPerEvent()) * v.persistedEventsPerSession() * sessionsPerMonth * STORAGE_MONTHS;
    double all = api + tiles + pages;
    return new Need(
        sessionsPerMonth, v.eventsPerDay() * DAYS_PER_MONTH, coresAtPeak, marginal, coresAtPeak / utilisation, ramPerNode,
        api, tiles, pages, journal, all > 0 ? 100 * (tiles + pages) / all : 0);
  }

  /** The stream's retention at {@code v}'s volume: one message per persisted event. */
  public static Retention retention(ScenarioVolume v, double bytesPerMessage) {
    double messages = v.persistedEventsPerSession() * v.sessionsPerDay();
    double bytes = messages * finiteOr0(bytesPerMessage);
    double daysInMax = bytes > 0 ? STREAM_MAX_BYTES / bytes : Double.POSITIVE_INFINITY;
    if (!(bytesPerMessage > 0) || !Double.isFinite(bytesPerMessage)) {
      return new Retention(v.id(), messages, bytesPerMessage, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "unknown (message size not measured)");
    }
    double retained = Math.min(STREAM_MAX_AGE_DAYS, daysInMax);
    String limit = daysInMax < STREAM_MAX_AGE_DAYS ? "max_bytes (100 GiB) before max_age" : "max_age (30 d)";
    return new Retention(v.id(), messages, bytesPerMessage, bytes, daysInMax, retained, retained * bytes, limit);
  }

  private record Choice(Prices.Instance instance, int nodes, double eur) {}

  static ProviderCost providerCost(Prices.Provider p, ScenarioVolume v, Need need, Retention retention, RunUsage usage) {
    Choice app = chooseNodes(p, need);
    double dbCores = Double.isFinite(need.coresNeeded()) ? need.coresNeeded() * DB_CORES_PER_APP_CORE : 0;
    Prices.DatabasePlan db = p.database().plans().stream()
        .filter(plan -> plan.vcpu() >= dbCores)
        .min(Comparator.comparingDouble(Prices.DatabasePlan::eurPerMonth))
        .orElse(p.database().plans().stream().max(Comparator.comparingInt(Prices.DatabasePlan::vcpu)).orElseThrow());
    int dbServers = Math.max(1, (int) Math.ceil(dbCores / db.vcpu()));
    double storedGB = (need.journalBytesAfterStorageMonths() + finiteOr0(retention.retainedBytes())) / GB;
    double extraStorageGB = Math.max(0, storedGB - db.includedStorageGB() * dbServers);
    double originEdgeGB = need.apiBytesPerMonth() / GB;
    double originAllGB = need.egressBytesPerMonth() / GB;
    double includedGB = app.nodes() * app.instance().includedTrafficGB();
    double egressEdge = Math.max(0, originEdgeGB - includedGB) * p.egress().eurPerGB();
    double egressAll = Math.max(0, originAllGB - includedGB) * p.egress().eurPerGB();
    double edgeGB = need.edgeBytesPerMonth() / GB;
    double cdn = Math.max(p.cdn().minimumEurPerMonth(), Math.max(0, edgeGB - p.cdn().includedGB()) * p.cdn().eurPerGB());

    List<Line> lines = new ArrayList<>();
    String forCores = Double.isFinite(need.coresNeeded())
        ? String.format("for %.2f cores needed at the peak hour", need.coresNeeded())
        : "CPU not measured: the smallest that fits";
    lines.add(new Line("nodes", String.format("%d × %s (%d vCPU, %.0f GiB) %s",
        app.nodes(), app.instance().name(), app.instance().vcpu(), app.instance().ramGiB(), forCores), app.eur()));
    lines.add(new Line("database", String.format("%d × %s", dbServers, db.name()), dbServers * db.eurPerMonth()));
    lines.add(new Line("storage", String.format("%.1f GB stored (%d months of journal %.2f GB + stream %.2f GB), %.1f GB beyond the plan",
        storedGB, STORAGE_MONTHS, need.journalBytesAfterStorageMonths() / GB, finiteOr0(retention.retainedBytes()) / GB, extraStorageGB),
        extraStorageGB * p.storage().eurPerGBMonth()));
    lines.add(new Line("egress", String.format("%.1f GB API from the origin, %s GB included", originEdgeGB, ReportNumbers.num(includedGB, 0)), egressEdge));
    lines.add(new Line("edge", String.format("%.1f GB tiles and pages from %s", edgeGB, p.cdn().name()), cdn));
    double base = app.eur() + dbServers * db.eurPerMonth() + extraStorageGB * p.storage().eurPerGBMonth();
    double total = base + egressEdge + cdn;
    double withoutEdge = base + egressAll;
    double sessions = need.sessionsPerMonth();
    double egressGB = need.egressBytesPerMonth() / GB;
    double perSession = sessions > 0 ? total / sessions : Double.NaN;
    BandPosition band = band(p.band(), v, total, lines, need, usage);
    double delta = withoutEdge > 0 ? (total - withoutEdge) / withoutEdge : 0;
    EdgeBudget edge = edgeBudget(delta);
    return new ProviderCost(
        p.id(), p.name(), app.instance().name(), app.nodes(), db.name(), List.copyOf(lines), total, withoutEdge, perSession,
        perSession * 1000, egressGB > 0 ? total / egressGB : Double.NaN,
        need.eventsPerMonth() > 0 ? total / (need.eventsPerMonth() / 1e6) : Double.NaN,
        perSession < SESSION_TARGET_EUR, band, edge);
  }

  private static Choice chooseNodes(Prices.Provider p, Need need) {
    Choice best = null;
    for (Prices.Instance t : p.instances()) {
      if (t.ramGiB() < need.ramPerNodeGiB()) {
        continue;
      }
      int nodes = Double.isFinite(need.coresNeeded()) ? Math.max(1, (int) Math.ceil(need.coresNeeded() / t.vcpu() - 1e-9)) : 1;
      double eur = nodes * t.eurPerMonth();
      if (best == null || eur < best.eur() - 1e-9 || (Math.abs(eur - best.eur()) < 1e-9 && nodes < best.nodes())) {
        best = new Choice(t, nodes, eur);
      }
    }
    if (best == null) {
      Prices.Instance biggest = p.instances().stream().max(Comparator.comparingDouble(Prices.Instance::ramGiB)).orElseThrow();
      int nodes = Math.max(1, (int) Math.ceil(finiteOr0(need.coresNeeded()) / biggest.vcpu()));
      best = new Choice(biggest, nodes, nodes * biggest.eurPerMonth());
    }
    return best;
  }

  /**
   * Where {@code total} falls in the band. The band spans S1 (low end) to S4 (high end); the
   * scenario's expected point is interpolated on a log scale of sessions per day between S1's 100
   * and S4's 100,000, which is how the requirement's volumes grow.
   */
  static BandPosition band(Prices.Band band, ScenarioVolume v, double total, List<Line> lines, Need need, RunUsage usage) {
    double s1 = 100;
    double s4 = 100_000;
    double t = Math.max(0, Math.min(1, Math.log(v.sessionsPerDay() / s1) / Math.log(s4 / s1)));
    double expected = band.lowEurPerMonth() * Math.pow(band.highEurPerMonth() / band.lowEurPerMonth(), t);
    String position = total < band.lowEurPerMonth() ? "below band" : total > band.highEurPerMonth() ? "above band" : "within band";
    double ratio = total / expected;
    String why = "";
    if (position.equals("below band")) {
      why = String.format("the minimum footprint (%s) costs less than the band's floor %s; %s", footprint(lines),
          ReportNumbers.eur(band.lowEurPerMonth()), explain(lines.stream().max(Comparator.comparingDouble(Line::eurPerMonth)).orElseThrow(), total, need, usage, v));
    } else if (!position.equals("within band") || ratio > 2 || ratio < 0.5) {
      Line biggest = lines.stream().max(Comparator.comparingDouble(Line::eurPerMonth)).orElseThrow();
      why = explain(biggest, total, need, usage, v);
    }
    return new BandPosition(band.lowEurPerMonth(), band.highEurPerMonth(), expected, position, ratio, why);
  }

  private static String footprint(List<Line> lines) {
    StringBuilder b = new StringBuilder();
    for (Line l : lines) {
      if (l.eurPerMonth() >= 0.005) {
        b.append(b.length() > 0 ? " + " : "").append(l.item()).append(' ').append(ReportNumbers.eur(l.eurPerMonth()));
      }
    }
    return b.toString();
  }

  private static String explain(Line biggest, double total, Need need, RunUsage usage, ScenarioVolume v) {
    double share = 100 * biggest.eurPerMonth() / total;
    switch (biggest.item()) {
      case "nodes":
        if (!Double.isFinite(need.coresNeeded())) {
          return String.format("the nodes dominate (%.0f %% of the month); the run did not measure CPU, so the smallest node that fits is priced", share);
        }
        if (need.coresNeeded() < 1) {
          return String.format("the minimum instance dominates (%.0f %% of the month): %.3f cores are needed at the peak hour, "
              + "a fraction of the smallest server that fits %.1f GiB RAM per node", share, need.coresNeeded(), need.ramPerNodeGiB());
        }
        return String.format("CPU per session dominates (%.0f %% of the month): %.2f CPU s per session × %.0f sessions/day × peak "
            + "factor %.2f needs %.1f cores", share, usage.cpuSecondsPerSession(), v.sessionsPerDay(), v.peakHourFactor(), need.coresNeeded());
      case "database":
        return String.format("the database dominates (%.0f %% of the month): %s", share, biggest.detail());
      case "storage":
        return String.format("storage dominates (%.0f %% of the month): %s", share, biggest.detail());
      case "egress":
      case "edge":
        return String.format("traffic dominates (%.0f %% of the month): %.1f TB per month", share, need.egressBytesPerMonth() / 1e12);
      default:
        return biggest.item() + " dominates";
    }
  }

  static EdgeBudget edgeBudget(double delta) {
    boolean within = delta <= EDGE_OPEX_DELTA_LIMIT;
    boolean rollback = delta > EDGE_ROLLBACK_DELTA;
    String note;
    if (delta <= 0) {
      note = String.format("the edge saves %.1f %% of the month", -delta * 100);
    } else if (within) {
      note = String.format("the edge adds %.1f %% (≤ 10 %%)", delta * 100);
    } else if (!rollback) {
      note = String.format("the edge adds %.1f %%: over the 10 %% opex budget", delta * 100);
    } else {
      note = String.format("the edge adds %.1f %% (> 15 %%): roll back unless it gains ≥ %d ms LCP (not measured by a run)",
          delta * 100, EDGE_ROLLBACK_GAIN_MILLIS);
    }
    return new EdgeBudget(delta, within, rollback, note);
  }

  static double finiteOr0(double x) {
    return Double.isFinite(x) ? x : 0;
  }
}

package org.weltgewebe.reports;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cost model's KPIs as operators feed them into their own dashboards and spreadsheets:
 * {@code cost.json} beside every rendered report and the output of {@code weltgewebe report cost
 * --format json}. One entry per scenario (the run's own first, then S1–S4 priced at the same
 * measurements) with, per provider, € per month, per 1,000 sessions, per session, per GB egress and
 * per million events, the band verdict and the edge-budget verdict; the edge quota as modelled and,
 * after a proxied run, as measured from the cache headers the proxy sent; the price list's date and
 * the assumptions.
 *
 * <p>The shape is the JSON Schema {@code reports/schema/cost.schema.json} (documented in {@code
 * docs/cost-json.md}). {@link #SCHEMA_VERSION} rises when a field is removed, renamed or changes its
 * meaning; adding a field does not raise it. A figure the run could not measure is {@code null},
 * never NaN (which is not JSON).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record CostKpis(
    int schemaVersion,
    String schema,
    String runId,
    String scenarioId,
    PriceList prices,
    double utilisation,
    Measured measured,
    EdgeQuota edgeQuota,
    List<ScenarioCost> scenarios,
    List<String> assumptions) {

  /** The version of the cost.json shape this build writes. */
  public static final int SCHEMA_VERSION = 1;
  /** The schema's identifier, as its {@code $id} says. */
  public static final String SCHEMA_ID = "https://weltgewebe.org/schemas/cost-1.json";
  /** The file name beside report.json, report.md and report.html. */
  public static final String FILE = "cost.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** The price list the figures were computed with. */
  public record PriceList(String date, String currency, String note) {}

  /** What the run measured per unit of work, the figures the model scales. */
  public record Measured(
      long sessions,
      Double cpuSecondsPerSession,
      String cpuBasis,
      Double cpuSecondsPerRequestLoaded,
      Double apiBytesPerSession,
      Double tileBytesPerHit,
      Double heapMaxBytes,
      Double journalBytesPerEvent,
      Double streamBytesPerMessage) {}

  /**
   * The share served from the edge. {@code modelledPercent}: tiles' and pages' share of all bytes
   * of the run's scenario (what the model prices: a CDN would serve every tile and page).
   * {@code measured}: from the cache headers a proxied run's proxy actually sent; null for a run
   * without a proxy.
   */
  public record EdgeQuota(double modelledPercent, String modelledBasis, MeasuredEdge measured) {}

  /**
   * Hits a shared cache in front of the proxy would have answered, replayed over the proxy's access
   * log in the scenario's virtual time with the Cache-Control each answer carried. {@code
   * hitPercent} covers tiles and HTML together; a class without requests has a null percentage.
   */
  public record MeasuredEdge(
      long tileRequests,
      long tileCacheable,
      long tileHits,
      Double tileHitPercent,
      long htmlRequests,
      long htmlCacheable,
      long htmlHits,
      Double htmlHitPercent,
      Double hitPercent,
      String basis) {}

  /** One scenario's month per provider. */
  public record ScenarioCost(
      String id,
      String name,
      boolean ownRun,
      double sessionsPerMonth,
      double eventsPerMonth,
      double egressGBPerMonth,
      Double coresAtPeak,
      Double coresNeeded,
      List<ProviderKpis> providers,
      Retention streamRetention) {}

  /** One provider's month for one scenario, its KPIs and verdicts. */
  public record ProviderKpis(
      String id,
      String name,
      String appInstance,
      int appNodes,
      String databasePlan,
      double eurPerMonth,
      double eurPerMonthWithoutEdge,
      Double eurPer1000Sessions,
      Double eurPerSession,
      boolean sessionTargetMet,
      Double eurPerGBEgress,
      Double eurPerMillionEvents,
      Band band,
      EdgeBudget edgeBudget,
      List<Line> lines) {}

  /** The customer's band for the provider and the verdict: below, within or above it. */
  public record Band(double lowEur, double highEur, double expectedEur, String verdict, double ratioToExpected, String why) {}

  /** The edge-budget rules' verdict: opex delta of the edge against the 10 % budget and the 15 % rollback rule. */
  public record EdgeBudget(double opexDeltaShare, boolean withinDeltaLimit, boolean rollbackRuleApplies, String note) {}

  /** One priced item of the month. */
  public record Line(String item, String detail, double eurPerMonth) {}

  /** How long the JetStream stream keeps events at this scenario's volume. */
  public record Retention(Double retainedDays, Double bytesPerDay, String limitedBy) {}

  /** The KPIs of {@code pricing}, with the edge quota a proxied run measured when there is one. */
  public static CostKpis of(CostModel.Pricing pricing, Prices prices, Optional<MeasuredEdge> measuredEdge) {
    RunUsage u = pricing.usage();
    Measured measured = new Measured(
        u.sessions(), finite(u.cpuSecondsPerSession()), u.cpuBasis(), finite(u.loadedCpuSecondsPerRequest()),
        finite(u.apiBytesPerSession()), finite(u.tileBytesPerHit()), finite(u.heapMaxBytes()), finite(u.journalBytesPerEvent()),
        finite(u.streamBytesPerMessage()));
    EdgeQuota edge = new EdgeQuota(
        pricing.own().need().edgeQuotaPercent(),
        "tiles' and pages' share of all bytes of scenario " + pricing.own().scenario().id()
            + " at its real volume: a CDN serves every tile (immutable) and page (HTML s-maxage=600)",
        measuredEdge.orElse(null));
    List<ScenarioCost> scenarios = new ArrayList<>();
    scenarios.add(scenario(pricing.own(), true));
    for (CostModel.Estimate e : pricing.references()) {
      scenarios.add(scenario(e, false));
    }
    List<String> assumptions = new ArrayList<>(pricing.assumptions());
    assumptions.add("Prices of " + prices.date() + " in " + prices.currency() + ": " + prices.note());
    return new CostKpis(
        SCHEMA_VERSION, SCHEMA_ID, u.runId(), u.scenarioId(), new PriceList(prices.date(), prices.currency(), prices.note()),
        pricing.utilisation(), measured, edge, List.copyOf(scenarios), List.copyOf(assumptions));
  }

  private static ScenarioCost scenario(CostModel.Estimate e, boolean own) {
    List<ProviderKpis> providers = new ArrayList<>();
    for (CostModel.ProviderCost c : e.providers()) {
      List<Line> lines = c.lines().stream().map(l -> new Line(l.item(), l.detail(), l.eurPerMonth())).toList();
      CostModel.BandPosition b = c.band();
      CostModel.EdgeBudget eb = c.edge();
      providers.add(new ProviderKpis(
          c.providerId(), c.providerName(), c.appInstance(), c.appNodes(), c.databasePlan(), c.totalEur(), c.totalWithoutEdgeEur(),
          finite(c.eurPer1000Sessions()), finite(c.eurPerSession()), c.sessionTargetMet(), finite(c.eurPerGBEgress()),
          finite(c.eurPerMillionEvents()),
          new Band(b.lowEur(), b.highEur(), b.expectedEur(), b.position(), b.ratioToExpected(), b.why()),
          new EdgeBudget(eb.opexDeltaShare(), eb.withinDeltaLimit(), eb.rollbackRuleApplies(), eb.note()),
          lines));
    }
    CostModel.Need n = e.need();
    CostModel.Retention r = e.retention();
    return new ScenarioCost(
        e.scenario().id(), e.scenario().name(), own, n.sessionsPerMonth(), n.eventsPerMonth(), n.egressBytesPerMonth() / CostModel.GB,
        finite(n.coresAtPeak()), finite(n.coresNeeded()), List.copyOf(providers),
        new Retention(finite(r.retainedDays()), finite(r.bytesPerDay()), r.limitedBy()));
  }

  /** This document as JSON text (indented, ending with a newline). */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write cost KPIs as JSON", e);
    }
  }

  /** Writes {@code dir/cost.json}; returns the file. */
  public Path write(Path dir) {
    Path file = dir.resolve(FILE);
    try {
      Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  private static Double finite(double x) {
    return Double.isFinite(x) ? x : null;
  }
}

package org.weltgewebe.scenarios.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.slo.SloRules;

/**
 * Judges a run's client-side measurements against the per-route objectives and the scenario's
 * error-budget policy.
 *
 * <p>A verdict rests on enough requests: each percentile on its {@link #requiredRequests} answered
 * ones, availability on an exact binomial test ({@link AvailabilityEvidence}, 95 % confidence),
 * which misses a route only when its failures are implausible at the objective and meets it only
 * when a route below the objective would have shown more. A part that is not judged is not
 * missed; a route with one has "not enough data" and neither passes nor fails, unless another
 * part missed.
 *
 * <p>Error budget, per route: the allowed error ratio is 1 − availability; the burn rate is the
 * measured error ratio over it. The replayed slice of the day stands for the same slice of every
 * day of the month, so the share of a month's budget it burns is burn rate × (sessions the slice
 * carries at real volume) / (sessions in a month); a whole replayed day burns {@code rate / 30}.
 * The policy's thresholds (1 % warning, 5 % escalation) apply to that share.
 */
final class Judge {
  /**
   * Exceedances a percentile's verdict rests on at least: a p95 over 20 samples is the maximum of
   * one, so a verdict on the q-quantile needs ⌈5 / (1 − q)⌉ answered requests (p95: 100, p99: 500),
   * else the route has "not enough data" and neither passes nor fails.
   */
  static final double EXCEEDANCES = 5;

  private final Map<String, SloRules.Objective> objectives;
  private final ScenarioDefinition.ErrorBudgetPolicy policy;
  private final double sliceShareOfMonth;

  /**
   * @param sliceShareOfMonth the replayed slice's share of a month's sessions at the scenario's
   *     real volume
   */
  Judge(List<SloRules.Objective> objectives, ScenarioDefinition.ErrorBudgetPolicy policy, double sliceShareOfMonth) {
    this.objectives = objectives.stream().collect(Collectors.toMap(o -> o.method() + " " + o.route(), Function.identity()));
    this.policy = policy;
    this.sliceShareOfMonth = sliceShareOfMonth;
  }

  /** The objective of a route, if it has one. */
  SloRules.Objective objective(String method, String route) {
    return objectives.get(method + " " + route);
  }

  /** One route's result; routes without an objective are reported with a verdict that says so. */
  RunReport.RouteResult judge(RouteMeasure m) {
    SloRules.Objective o = objective(m.method(), m.route());
    double availability = m.requests() == 0 ? 100.0 : 100.0 * (m.requests() - m.bad()) / m.requests();
    if (o == null) {
      return new RunReport.RouteResult(
          m.method(), m.route(), null, m.requests(), m.ok(), m.clientErrors(), m.serverErrors(), m.shed(), m.timeouts(),
          m.bytesReceived(), m.latency(), availability,
          new RunReport.SloVerdict(true, true, true, true, "no objective for this route", 0), null);
    }
    double target = o.availabilityPercent().doubleValue();
    AvailabilityEvidence evidence = new AvailabilityEvidence(o.availabilityPercent());
    // like a percentile below its sample size, availability that is not judged is not missed
    boolean availabilityMet = !evidence.missed(m.requests(), m.bad());
    boolean availabilityJudged = !availabilityMet || evidence.met(m.requests(), m.bad());
    // latency objectives are about answered requests: a shed 503 counts against availability instead
    RunReport.Latency answered = m.okLatency();
    long p95Needs = requiredRequests(0.95);
    long p99Needs = requiredRequests(0.99);
    boolean p95Judged = m.ok() >= p95Needs;
    boolean p99Judged = m.ok() >= p99Needs;
    boolean p95Met = !p95Judged || answered.p95Millis() <= o.p95Millis();
    boolean p99Met = !p99Judged || answered.p99Millis() <= o.p99Millis();
    List<String> reasons = new ArrayList<>();
    if (!availabilityMet) {
      reasons.add(String.format("availability %.3f %% < %.2f %% (%d shed, %d 5xx, %d unanswered of %d; %d or more miss it at %.0f %% confidence)",
          availability, target, m.shed(), m.serverErrors(), m.timeouts(), m.requests(), evidence.failuresToMiss(m.requests()),
          AvailabilityEvidence.CONFIDENCE * 100));
    }
    if (!p95Met) {
      reasons.add(String.format("p95 %.1f ms > %d ms", answered.p95Millis(), o.p95Millis()));
    }
    if (!p99Met) {
      reasons.add(String.format("p99 %.1f ms > %d ms", answered.p99Millis(), o.p99Millis()));
    }
    boolean missed = !availabilityMet || !p95Met || !p99Met;
    long requestsNeeded = 0;
    if (!p99Judged) {
      reasons.add(p95Judged
          ? String.format("p99 not judged: %d answered requests, a p99 verdict needs %d", m.ok(), p99Needs)
          : String.format("p95 and p99 not judged: %d answered requests, a p95 verdict needs %d, a p99 verdict %d",
              m.ok(), p95Needs, p99Needs));
      requestsNeeded = p99Needs;
    }
    if (!availabilityJudged) {
      long availabilityNeeds = evidence.requestsToMeet(m.bad());
      long toMiss = evidence.failuresToMiss(m.requests());
      reasons.add(String.format("availability not judged: %d of %d requests failed, consistent with %.2f %%%s;"
              + " met at %.0f %% confidence needs %d requests with at most %d failed",
          m.bad(), m.requests(), target, toMiss <= m.requests() ? " (" + toMiss + " would miss it)" : "",
          AvailabilityEvidence.CONFIDENCE * 100, availabilityNeeds, m.bad()));
      requestsNeeded = Math.max(requestsNeeded, availabilityNeeds);
    }
    boolean met = !missed && p99Judged && availabilityJudged;
    return new RunReport.RouteResult(
        m.method(), m.route(),
        new RunReport.Objective(target, o.p95Millis(), o.p99Millis(), o.critical()),
        m.requests(), m.ok(), m.clientErrors(), m.serverErrors(), m.shed(), m.timeouts(), m.bytesReceived(),
        m.latency(), availability,
        new RunReport.SloVerdict(availabilityMet, p95Met, p99Met, met, reasons.isEmpty() ? "met" : String.join("; ", reasons),
            missed ? 0 : requestsNeeded),
        budget(m, target));
  }

  /** Answered requests a verdict on the {@code quantile} needs: ⌈5 / (1 − q)⌉. */
  static long requiredRequests(double quantile) {
    return (long) Math.ceil(EXCEEDANCES / (1 - quantile) - 1e-9);
  }

  private RunReport.ErrorBudget budget(RouteMeasure m, double targetPercent) {
    double allowed = 1 - targetPercent / 100.0;
    double errorRatio = m.requests() == 0 ? 0 : (double) m.bad() / m.requests();
    double burnRate = errorRatio / allowed;
    double monthConsumed = burnRate * sliceShareOfMonth;
    String alert = monthConsumed >= policy.escalateAtConsumed() ? "ESCALATION"
        : monthConsumed >= policy.warnAtConsumed() ? "WARNING" : "NONE";
    return new RunReport.ErrorBudget(allowed, errorRatio, burnRate, burnRate, monthConsumed, alert);
  }
}

package org.weltgewebe.scenarios.definition;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One traffic scenario (S1–S4) as its data file in {@code scenarios/definitions} describes it: who
 * uses the platform, what a session does, when in the day sessions arrive, where on the map they
 * are, and which objectives the run is judged by.
 *
 * <p>Every number the requirement does not give is a {@link Choice} with its reason, so that a
 * capacity planner can see which figures are the customer's and which are ours.
 */
// "faults" (a fault plan for a cluster run) is read by scenarios.fault.FaultPlan, not by this record
@com.fasterxml.jackson.annotation.JsonIgnoreProperties({"faults"})
public record ScenarioDefinition(
    int schemaVersion,
    String id,
    String name,
    String description,
    int monthlyActiveUsers,
    double sessionsPerDay,
    double sessionMinutes,
    Map<Action, Double> actionsPerSession,
    Map<Action, Integer> bytesPerAction,
    Live live,
    List<Double> diurnal,
    List<Peak> peaks,
    Geography geography,
    ErrorBudgetPolicy errorBudget,
    Overload overload,
    Expected expected,
    List<Choice> choices) {

  /** The schema version this code reads. */
  public static final int SCHEMA_VERSION = 1;

  public ScenarioDefinition {
    Objects.requireNonNull(id, "id");
    actionsPerSession = Map.copyOf(actionsPerSession);
    bytesPerAction = Map.copyOf(bytesPerAction);
    diurnal = List.copyOf(diurnal);
    peaks = peaks == null ? List.of() : List.copyOf(peaks);
    choices = choices == null ? List.of() : List.copyOf(choices);
  }

  /** How often a session does {@code action} on average (0 when the file does not name it). */
  public double perSession(Action action) {
    return actionsPerSession.getOrDefault(action, 0.0);
  }

  /**
   * The session's API actions (no pages, tiles, feeds or chat, no logging in or out) in their
   * proportions per session: the mix a run's probe and overload phases offer as plain requests.
   */
  public Map<Action, Double> apiMix() {
    Map<Action, Double> mix = new java.util.EnumMap<>(Action.class);
    for (Action a : Action.values()) {
      if (a.kind() == Action.Kind.API && a != Action.LOGIN && a != Action.LOGOUT && perSession(a) > 0) {
        mix.put(a, perSession(a));
      }
    }
    return mix;
  }

  /** Mean bytes a client receives for one {@code action} (0 when the file does not name it). */
  public int bytes(Action action) {
    return bytesPerAction.getOrDefault(action, 0);
  }

  /**
   * Relative arrival rate of sessions in each hour of the replayed day, peaks applied: entry h is
   * the diurnal weight of hour h times every peak factor covering h.
   */
  public double[] hourlyWeights() {
    double[] w = new double[24];
    for (int h = 0; h < 24; h++) {
      w[h] = diurnal.get(h);
      for (Peak p : peaks) {
        if (p.covers(h)) {
          w[h] *= p.factor();
        }
      }
    }
    return w;
  }

  /**
   * Sessions starting in each hour of the replayed day: {@link #sessionsPerDay} spread by the
   * diurnal curve, then raised by the peaks (so a peak adds sessions rather than moving them).
   */
  public double[] sessionsPerHour() {
    double base = 0;
    for (double d : diurnal) {
      base += d;
    }
    double[] w = hourlyWeights();
    double[] sessions = new double[24];
    for (int h = 0; h < 24; h++) {
      sessions[h] = sessionsPerDay * w[h] / base;
    }
    return sessions;
  }

  /** Sessions in the replayed day, peaks included. */
  public double sessionsInDay() {
    double total = 0;
    for (double s : sessionsPerHour()) {
      total += s;
    }
    return total;
  }

  /** Live-feed deliveries and chat, which the action counts alone do not say. */
  public record Live(
      double deliveriesPerSession,
      int bytesPerDelivery,
      double feedMinutes,
      double chatMessagesPerChat,
      int chatBytesPerMessage) {}

  /** Hours [fromHour, toHour) of the replayed day in which sessions arrive {@code factor} times as often. */
  public record Peak(String name, double factor, int fromHour, int toHour) {
    public Peak {
      if (fromHour < 0 || toHour > 24 || fromHour >= toHour || !(factor > 0)) {
        throw new IllegalArgumentException("peak '" + name + "' needs 0 ≤ fromHour < toHour ≤ 24 and a positive factor");
      }
    }

    boolean covers(int hour) {
      return hour >= fromHour && hour < toHour;
    }
  }

  /**
   * Where users are: H3 resolution-7 cells within {@code ringSize} rings of the centre, ranked in a
   * fixed pseudo-random order and weighted by a Zipf law, so a few neighbourhoods carry most of the
   * traffic as in real cities.
   */
  public record Geography(double centreLat, double centreLng, int ringSize, double zipfExponent) {}

  /**
   * How the run's error budgets are judged: the requirement's monthly availability for the whole
   * service, the share of a month's budget at which to warn and to escalate, and the burn rate at
   * which a run stops early (the SRE workbook's paging threshold).
   */
  public record ErrorBudgetPolicy(
      double serviceAvailabilityPercent,
      double warnAtConsumed,
      double escalateAtConsumed,
      double abortAtBurnRate) {}

  /** The overload phase every run ends with: {@code factor} times the sustainable rate for {@code seconds}. */
  public record Overload(double factor, int seconds) {}

  /** The daily totals this scenario must reproduce, and where they come from. */
  public record Expected(
      double requestsPerDay, double eventsPerDay, double tileHitsPerDay, double volumeBytesPerDay, String source) {}

  /** A number the requirement does not give: what we chose and why. */
  public record Choice(String what, String value, String why) {}
}

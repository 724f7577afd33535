package org.weltgewebe.scenarios.definition;

/**
 * The busiest hour of a scenario's day at real (uncompressed) time: what a capacity plan has to
 * carry. The hour with the most session arrivals, peaks applied (S3's Black-Friday rush, S2's
 * seasonal evening), times what a session asks of the platform, spread over the hour's 3,600 s.
 *
 * <p>{@code apiPerSecond} counts the JSON API requests the platform answers itself (log in and out
 * included) — the kind of request a capacity search offers, so the two can be divided. Tiles are
 * counted apart: they are immutable and meant to be served from the edge, so whether they reach the
 * nodes is a question of the edge quota, not of this figure. Pages are not served by the platform,
 * and held-open feeds and chats are connections, not a request rate.
 *
 * <p>An hour's mean: arrivals within it are Poisson and a session spans {@code sessionMinutes}, so
 * single minutes run higher and the spill into the next hour lower; the target utilisation of a
 * plan is what absorbs the former. {@code daySessions} is the whole day's sessions, peaks included.
 */
public record PeakHour(int hour, double sessions, double apiPerSession, double apiPerSecond, double tilesPerSecond, double daySessions) {

  /** The peak hour of {@code scenario}. */
  public static PeakHour of(ScenarioDefinition scenario) {
    double[] perHour = scenario.sessionsPerHour();
    int peak = 0;
    for (int h = 1; h < perHour.length; h++) {
      if (perHour[h] > perHour[peak]) {
        peak = h;
      }
    }
    double api = 0;
    for (Action a : Action.values()) {
      if (a.kind() == Action.Kind.API) {
        api += scenario.perSession(a);
      }
    }
    double sessions = perHour[peak];
    return new PeakHour(peak, sessions, api, sessions * api / 3600, sessions * scenario.perSession(Action.TILE) / 3600,
        scenario.sessionsInDay());
  }

  /** The JSON API requests of the whole day, the peak hour's kind of request. */
  public double dayApiRequests() {
    return daySessions * apiPerSession;
  }
}

package org.weltgewebe.scenarios.definition;

/**
 * The requirement's per-day figures as a definition produces them: requests (every action but
 * tiles, pages included), domain events persisted plus live-feed deliveries, tile hits, and the
 * bytes clients receive.
 */
public record DailyTotals(double requests, double events, double tileHits, double volumeBytes) {

  /** The totals of one replayed day of {@code scenario}, peaks included. */
  public static DailyTotals of(ScenarioDefinition scenario) {
    double requests = 0;
    double persisted = 0;
    double tiles = 0;
    double bytes = 0;
    for (Action action : Action.values()) {
      double n = scenario.perSession(action);
      if (action.countsAsRequest()) {
        requests += n;
      } else {
        tiles += n;
      }
      persisted += n * action.eventsPersisted();
      bytes += n * scenario.bytes(action);
    }
    ScenarioDefinition.Live live = scenario.live();
    double chatMessages = scenario.perSession(Action.CHAT) * live.chatMessagesPerChat();
    persisted += chatMessages;
    bytes += chatMessages * live.chatBytesPerMessage();
    bytes += live.deliveriesPerSession() * live.bytesPerDelivery();
    double events = persisted + live.deliveriesPerSession();
    double sessions = scenario.sessionsInDay();
    return new DailyTotals(requests * sessions, events * sessions, tiles * sessions, bytes * sessions);
  }

  /** Domain events one session persists on average (chat messages included, deliveries not). */
  public static double persistedPerSession(ScenarioDefinition scenario) {
    double persisted = scenario.perSession(Action.CHAT) * scenario.live().chatMessagesPerChat();
    for (Action action : Action.values()) {
      persisted += scenario.perSession(action) * action.eventsPersisted();
    }
    return persisted;
  }
}

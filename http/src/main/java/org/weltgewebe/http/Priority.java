package org.weltgewebe.http;

/**
 * How long a kind of request stays admitted when the node is overloaded. The load shedder lets a
 * class in only while the requests in flight stay below its share of the adaptive limit, so under
 * rising load bulk traffic is shed first, reads next, and the writes of a session in progress last;
 * health checks are never shed, because an orchestrator that cannot see a busy node would kill it.
 */
enum Priority {
  /** Liveness and readiness: bypass the limiter entirely. */
  HEALTH,
  /** Authenticated writes: a user in the middle of doing something. */
  SESSION_WRITE,
  /** Reads of single entities and regions, and writes that start a session (registration). */
  READ,
  /**
   * Tiles and search: the largest share of traffic, the cheapest to retry or serve from a cache;
   * a search box that answers a second later costs a user less than a message that is lost.
   */
  BULK
}

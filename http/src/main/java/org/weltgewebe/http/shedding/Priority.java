package org.weltgewebe.http.shedding;

/**
 * How a kind of request is admitted when the node is overloaded. Reads and session writes each
 * have an adaptive limit of their own (their costs differ tenfold, and one must not crowd out the
 * other); bulk traffic is shed first, as soon as either class nears its limit; health checks are
 * never shed, because an orchestrator that cannot see a busy node would kill it.
 */
public enum Priority {
  /** Liveness and readiness: bypass the limiter entirely. */
  HEALTH,
  /** Authenticated writes: a user in the middle of doing something. */
  SESSION_WRITE,
  /**
   * Leaving the weave: the answer waits, by design, until every read model has forgotten the role
   * (hundreds of milliseconds, seconds while the read side catches up). Counted among session
   * writes, a few leaves filled that limit and taught it their latency, and the writes behind them
   * were shed (the main job's coverage phase shed 40 % of its writes, docs/performance.md). So
   * leaves have a fixed budget of their own and teach no adaptive limit.
   */
  ERASURE,
  /** Reads of single entities and regions, and writes that start a session (registration). */
  READ,
  /**
   * Tiles and search: the largest share of traffic, the cheapest to retry or serve from a cache;
   * a search box that answers a second later costs a user less than a message that is lost.
   */
  BULK
}

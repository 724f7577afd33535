package org.weltgewebe.cluster.load.session;

import java.util.List;

/**
 * What a driver read from the platform's answer to a {@link Move}, in the session's terms: whether
 * it was done, refused, or got no answer; the id it made or named (a role, knot, conversation,
 * thread or proposal); a new access token; a proposal's phase; the cell a new knot stands in; the
 * knots a region read listed.
 */
public record Answer(Outcome outcome, String id, String token, String phase, String cell, List<String> knots) {
  /** How a move ended. */
  public enum Outcome {
    DONE,
    REFUSED,
    NONE
  }

  public Answer {
    knots = knots == null ? List.of() : List.copyOf(knots);
  }

  /** Done, with nothing to learn. */
  public static Answer done() {
    return new Answer(Outcome.DONE, null, null, null, null, List.of());
  }

  /** Done, naming {@code id}. */
  public static Answer done(String id) {
    return new Answer(Outcome.DONE, id, null, null, null, List.of());
  }

  public static Answer refused() {
    return new Answer(Outcome.REFUSED, null, null, null, null, List.of());
  }

  /** No answer came (a timeout, a failure, a request that could not be sent). */
  public static Answer none() {
    return new Answer(Outcome.NONE, null, null, null, null, List.of());
  }

  public boolean isDone() {
    return outcome == Outcome.DONE;
  }
}

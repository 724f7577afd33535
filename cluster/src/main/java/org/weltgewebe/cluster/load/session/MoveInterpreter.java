package org.weltgewebe.cluster.load.session;

/**
 * A load driver's half of a session: it sends a {@link Move} its way (an HTTP request, an entity
 * command) and, through {@code R}, reports the {@link Answer} back to {@link UserSession#answered}.
 * The session definition decides everything else.
 */
public interface MoveInterpreter<R> {
  /** Whether this driver can send {@code step}; a session it runs leaves out the steps it cannot. */
  boolean sends(SessionStep step);

  /** Sends {@code move}. */
  R send(Move move);
}

package org.weltgewebe.cluster.load.session;

import org.weltgewebe.actors.GeoPoint;

/**
 * One step of a session, resolved against what the users know: the {@code step} (perhaps another
 * than the one drawn, when what it needs was missing: a vote with no proposal put to the vote
 * objects, ...), who does it, and what it sends. A driver's {@link MoveInterpreter} turns it into a
 * request or a command and nothing else: every choice is made here.
 *
 * @param cell the cell it is about (a region read, a feed, a delegation, a new knot's region)
 * @param target the id it acts on: a knot, conversation, proposal, thread or role; for SEARCH the word
 * @param detail what else it says: a connection (INTEREST, AGREE), a knot type (IDEA, TOOL), a vote (YES, NO, ABSTAIN)
 * @param amount cents of a donation or payout; for CREATE_KNOT the number in its title
 * @param location where a new knot stands, or a new role's home
 * @param thenRevoke for DELEGATE: revoke right after (a revocation drawn while not delegating)
 * @param pauseSeconds think time before it is sent
 */
public record Move(
    SessionStep step,
    User user,
    String cell,
    String target,
    String detail,
    long amount,
    GeoPoint location,
    boolean thenRevoke,
    double pauseSeconds) {

  static Move of(SessionStep step, User user, String cell, double pause) {
    return new Move(step, user, cell, null, null, 0, null, false, pause);
  }

  Move on(String id) {
    return new Move(step, user, cell, id, detail, amount, location, thenRevoke, pauseSeconds);
  }

  Move saying(String what) {
    return new Move(step, user, cell, target, what, amount, location, thenRevoke, pauseSeconds);
  }

  Move amounting(long value) {
    return new Move(step, user, cell, target, detail, value, location, thenRevoke, pauseSeconds);
  }

  Move at(GeoPoint where) {
    return new Move(step, user, cell, target, detail, amount, where, thenRevoke, pauseSeconds);
  }

  Move revokingAfter() {
    return new Move(step, user, cell, target, detail, amount, location, true, pauseSeconds);
  }

  /** The same move after {@code seconds} of think time. */
  public Move after(double seconds) {
    return new Move(step, user, cell, target, detail, amount, location, thenRevoke, seconds);
  }
}

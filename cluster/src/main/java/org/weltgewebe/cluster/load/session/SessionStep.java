package org.weltgewebe.cluster.load.session;

import java.util.Optional;

/**
 * What a user can do in a session, by the names the scenario files and both load drivers use (the
 * HTTP driver's actions, the in-cluster driver's commands). A driver that cannot send a step (the
 * in-cluster driver has no tiles, feeds or search) says so through its interpreter and leaves it
 * out of its sessions.
 */
public enum SessionStep {
  REGISTER,
  LOGIN,
  LOGOUT,
  REGION_VIEW,
  KNOT_LIST,
  KNOT_READ,
  PROFILE_READ,
  SEARCH,
  CONVERSATION_READ,
  CONNECT,
  POST,
  CREATE_KNOT,
  START_CONVERSATION,
  TWIST,
  UNTWIST,
  PROFILE_UPDATE,
  REGION_FEED,
  CONVERSATION_FEED,
  CHAT,
  /** A viewport of {@link #TILES_PER_VIEW} map tiles. */
  TILE,
  PROPOSE,
  /** A proposal to pay from the knot's community account (to the proposer). */
  PROPOSE_PAYOUT,
  PROPOSAL_READ,
  OBJECT,
  VOTE,
  TALLY_READ,
  DELEGATE,
  REVOKE_DELEGATION,
  DELEGATIONS_READ,
  DONATE,
  DONATE_ANONYMOUS,
  ACCOUNT_READ,
  /** The role dissolves its account; the session ends with it. */
  LEAVE;

  /** Tiles one {@link #TILE} step fetches: a scenario's tile count per session is divided by it. */
  public static final int TILES_PER_VIEW = 25;

  /** The step of this name, if there is one. */
  public static Optional<SessionStep> named(String name) {
    for (SessionStep s : values()) {
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** False for the steps that open and close a session (register, log in, log out): a session's actions are the others. */
  public boolean isAction() {
    return this != REGISTER && this != LOGIN && this != LOGOUT;
  }

  /** Requests one step stands for in a scenario's per-session counts. */
  public int requests() {
    return this == TILE ? TILES_PER_VIEW : 1;
  }
}

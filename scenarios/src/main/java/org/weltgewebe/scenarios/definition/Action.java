package org.weltgewebe.scenarios.definition;

/**
 * What a user does in a session, as the scenario files count it and the load driver replays it.
 *
 * <p>Each action names the route it reaches (as {@code scenarios/slo/slos.json} spells it, so that
 * its measurements meet their objective) and the domain events one action persists on the
 * platform, which is how a definition's events per day follow from its action mix. {@link #PAGE}
 * is the server-rendered page and its assets that the frontend and the edge serve: it counts in the
 * requirement's requests and volume, but this platform does not serve it, so the driver does not
 * replay it and the report accounts for it as modelled bytes.
 */
public enum Action {
  /** A server-rendered page with its assets (SvelteKit SSR + CDN; not served here). */
  PAGE(Kind.PAGE, "GET", "/", 0),
  /** Log in: issues a token and makes the role spin (LoggedIn). */
  LOGIN(Kind.API, "POST", "/roles/{id}/session", 1),
  /**
   * Registering a new role. Sessions register their user when it has no role yet (the scenario
   * files count new users, not this action); the coverage phase sends it on its own.
   */
  REGISTER(Kind.API, "POST", "/roles", 1),
  /** Log out (LoggedOut). */
  LOGOUT(Kind.API, "DELETE", "/roles/{id}/session", 1),
  /** The live picture of one region (H3 cell). */
  REGION_VIEW(Kind.API, "GET", "/regions/{cell}", 0),
  /** Knots in a cell or bounding box. */
  KNOT_LIST(Kind.API, "GET", "/knots", 0),
  /** One knot. */
  KNOT_READ(Kind.API, "GET", "/knots/{id}", 0),
  /** Another role's public profile. */
  PROFILE_READ(Kind.API, "GET", "/roles/{id}", 0),
  /** Full-text search over knots and profiles. */
  SEARCH(Kind.API, "GET", "/search", 0),
  /** One page of a conversation. */
  CONVERSATION_READ(Kind.API, "GET", "/conversations/{id}", 0),
  /** Connect to a knot: the knot leads a thread and the thread is spun (ThreadLed, Spun). */
  CONNECT(Kind.API, "POST", "/knots/{id}/connections", 2),
  /** A message in a conversation (Posted). */
  POST(Kind.API, "POST", "/conversations/{id}/messages", 1),
  /** A new knot with its creator's design thread (Created, ThreadLed, Spun). */
  CREATE_KNOT(Kind.API, "POST", "/knots", 3),
  /** A conversation on a knot with its conversation thread (ThreadLed, Spun, Started). */
  START_CONVERSATION(Kind.API, "POST", "/knots/{id}/conversations", 3),
  /** Twist one's thread into yarn (Twisted, YarnAttached). */
  TWIST(Kind.API, "PUT", "/threads/{id}/yarn", 2),
  /** Untwist it again (Untwisted, YarnDetached). */
  UNTWIST(Kind.API, "DELETE", "/threads/{id}/yarn", 2),
  /** Goods and skills offered (ProfileUpdated). */
  PROFILE_UPDATE(Kind.API, "PUT", "/roles/{id}/profile", 1),
  /**
   * Put a proposal to a knot (Proposed, and the proposal thread: ThreadLed, Spun); its closing
   * event (PassedWithoutObjection or Tallied), persisted when its deadline passes, is counted with it.
   */
  PROPOSE(Kind.API, "POST", "/knots/{id}/proposals", 4),
  /**
   * Propose a payout from the knot's community account: as {@link #PROPOSE}, and once accepted the
   * payout (the proposal's PaidOut and the account's PaidOut).
   */
  PROPOSE_PAYOUT(Kind.API, "POST", "/knots/{id}/proposals", 6),
  /** One proposal: phase, deadline, how many voted. */
  PROPOSAL_READ(Kind.API, "GET", "/proposals/{id}", 0),
  /** Object to a proposal, which puts it to the vote (Objected, and a proposal thread: ThreadLed, Spun). */
  OBJECT(Kind.API, "POST", "/proposals/{id}/objections", 3),
  /** Vote on a proposal put to the vote (VoteCast, and the vote thread: ThreadLed, Spun). */
  VOTE(Kind.API, "PUT", "/proposals/{id}/vote", 3),
  /** A closed proposal's count: who counted, directly or through whom. */
  TALLY_READ(Kind.API, "GET", "/proposals/{id}/tally", 0),
  /** Delegate one's vote in one's district (Delegated). */
  DELEGATE(Kind.API, "PUT", "/regions/{cell}/delegation", 1),
  /** Take the delegation back (Revoked). */
  REVOKE_DELEGATION(Kind.API, "DELETE", "/regions/{cell}/delegation", 1),
  /** Who delegates to whom in a district. */
  DELEGATIONS_READ(Kind.API, "GET", "/regions/{cell}/delegations", 0),
  /** A visible donation to a knot's community account (Donated, and the gold thread: ThreadLed, Spun). */
  DONATE(Kind.API, "POST", "/knots/{id}/account/donations", 3),
  /** An anonymous donation: the same route, no donor and no thread (Donated). */
  DONATE_ANONYMOUS(Kind.API, "POST", "/knots/{id}/account/donations", 1),
  /** A knot's community account: balance and totals. */
  ACCOUNT_READ(Kind.API, "GET", "/knots/{id}/account", 0),
  /**
   * The role dissolves its account (Left, and what its departure ends: about one yarn untwisted or
   * delegation revoked on average); the session ends with it.
   */
  LEAVE(Kind.API, "DELETE", "/roles/{id}", 2),
  /** Subscribe to a region's live feed (SSE) for a while. */
  REGION_FEED(Kind.FEED, "GET", "/regions/{cell}/feed", 0),
  /** Subscribe to a conversation's live feed (SSE) for a while. */
  CONVERSATION_FEED(Kind.FEED, "GET", "/conversations/{id}/feed", 0),
  /** A chat on a conversation over WebSocket; its messages are posts (one Posted each). */
  CHAT(Kind.CHAT, "GET", "/conversations/{id}/chat", 0),
  /** A map tile. */
  TILE(Kind.TILE, "GET", "/tiles/{z}/{x}/{y}", 0);

  /** How an action reaches the platform. */
  public enum Kind {
    /** Modelled only: served by the frontend and the edge. */
    PAGE,
    /** A JSON request and its response. */
    API,
    /** A server-sent event stream held open for a while. */
    FEED,
    /** A WebSocket held open for a chat. */
    CHAT,
    /** A map tile. */
    TILE
  }

  private final Kind kind;
  private final String method;
  private final String route;
  private final int eventsPersisted;

  Action(Kind kind, String method, String route, int eventsPersisted) {
    this.kind = kind;
    this.method = method;
    this.route = route;
    this.eventsPersisted = eventsPersisted;
  }

  public Kind kind() {
    return kind;
  }

  public String method() {
    return method;
  }

  /** The route template, as the SLO file and the metrics name it. */
  public String route() {
    return route;
  }

  /** Domain events one action persists (chat: per session; its messages count separately). */
  public int eventsPersisted() {
    return eventsPersisted;
  }

  /** True when the requirement's "requests per day" counts it (everything but tiles). */
  public boolean countsAsRequest() {
    return kind != Kind.TILE;
  }

  /** True when the load driver sends it to the platform. */
  public boolean driven() {
    return kind != Kind.PAGE;
  }

  /** True when it changes state (needs a token, persists events). */
  public boolean writes() {
    return eventsPersisted > 0 || this == CHAT;
  }
}

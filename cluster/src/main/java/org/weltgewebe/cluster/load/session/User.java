package org.weltgewebe.cluster.load.session;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One virtual user: where they live and, once registered, their role's id, access token (the HTTP
 * driver's; the in-cluster driver needs none), whether they delegate their vote, and the threads
 * they spun. Shared between the sessions of one user, which a driver may run concurrently.
 *
 * <p>The token is the registration's and only logs in: a session acts with the token its own log-in
 * answered, and its log-out revokes that one (see {@link UserSession#token(Move)}). Had the user kept the
 * token of its last log-in, its next session would log in with a token the last log-out revoked,
 * and be refused (401) from its log-in to its last step, chats included.
 */
public final class User {
  /** Threads remembered per user: enough to twist from, bounded in memory. */
  static final int THREADS = 100;

  private final int index;
  private final String cell;
  private volatile String id;
  private volatile String token;
  private volatile boolean delegating;
  private final List<String> threads = new CopyOnWriteArrayList<>();

  User(int index, String cell) {
    this.index = index;
    this.cell = cell;
  }

  /** The user's number among the scenario's monthly active users. */
  public int index() {
    return index;
  }

  /** The H3 cell the user lives in. */
  public String cell() {
    return cell;
  }

  /** The role's id, or null while the user has no role. */
  public String id() {
    return id;
  }

  /** The access token of the user's registration, with which its sessions log in; null while it has no role. */
  public String token() {
    return token;
  }

  public boolean registered() {
    return id != null;
  }

  boolean delegating() {
    return delegating;
  }

  /** The threads the user spun (a view). */
  public List<String> threads() {
    return java.util.Collections.unmodifiableList(threads);
  }

  /** The user's role is {@code roleId} now, with {@code accessToken}. */
  public void registeredAs(String roleId, String accessToken) {
    this.id = roleId;
    this.token = accessToken;
    threads.clear(); // a role registered anew has none of the old one's threads
  }

  void delegating(boolean delegates) {
    this.delegating = delegates;
  }

  /** The user spun {@code thread} (remembered up to a bound). */
  public void spun(String thread) {
    if (thread != null && threads.size() < THREADS) {
      threads.add(thread);
    }
  }

  /** The role dissolved its account: the user's next session registers a new role. */
  void departed() {
    id = null;
    token = null;
    delegating = false;
    threads.clear();
  }
}

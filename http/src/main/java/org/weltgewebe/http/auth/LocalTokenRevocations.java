package org.weltgewebe.http.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Revocations held in this node's memory only: a token revoked here is refused here. The default
 * until revocations are shared across the cluster; enough for one node and for tests.
 *
 * <p>Entries are dropped once they can no longer matter: a token's after its expiry (plus the
 * allowed clock skew), a role's once every token issued before it has expired.
 */
final class LocalTokenRevocations implements TokenRevocations {
  private final Clock clock;
  private final Duration skew;
  private final Duration tokenLifetime;
  private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
  private final Map<String, Instant> roles = new ConcurrentHashMap<>();
  private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  LocalTokenRevocations(Clock clock, Duration tokenLifetime, Duration skew) {
    this.clock = clock;
    this.tokenLifetime = tokenLifetime;
    this.skew = skew;
  }

  @Override
  public boolean isRevoked(String tokenId, String roleId, Instant issuedAt) {
    if (tokens.containsKey(tokenId)) {
      return true;
    }
    Instant upTo = roles.get(roleId);
    return upTo != null && !issuedAt.isAfter(upTo);
  }

  @Override
  public void revoke(String tokenId, Instant expiresAt) {
    tokens.put(tokenId, expiresAt);
    forgetOutlived();
    listeners.forEach(Runnable::run);
  }

  @Override
  public void revokeRole(String roleId, Instant upTo) {
    roles.merge(roleId, upTo.truncatedTo(ChronoUnit.SECONDS), (a, b) -> a.isAfter(b) ? a : b);
    forgetOutlived();
    listeners.forEach(Runnable::run);
  }

  @Override
  public void onRevocation(Runnable listener) {
    listeners.add(listener);
  }

  private void forgetOutlived() {
    Instant horizon = clock.instant().minus(skew);
    tokens.values().removeIf(expiresAt -> expiresAt.isBefore(horizon));
    roles.values().removeIf(upTo -> upTo.plus(tokenLifetime).isBefore(horizon));
  }
}

package org.weltgewebe.http.auth;

import java.time.Instant;

/**
 * Access tokens withdrawn before they expire: one token (a logout) or every token a role was issued
 * up to a moment (the role logged out everywhere, left, or was forgotten).
 *
 * <p>{@link AccessTokens} asks on every authenticated request, whether the token's signature was
 * just verified or found in {@link VerifiedTokens}, so a revocation takes effect on the next request
 * even for a cached token. It is asked on the hot path: an implementation answers from memory. One
 * that shares revocations across the cluster keeps a local copy it updates in the background and
 * writes through to the shared store in {@link #revoke} and {@link #revokeRole}.
 *
 * <p>A token's {@code iat} counts whole seconds, so {@link #revokeRole} cannot tell a token issued
 * just before the revocation from one issued just after it in the same second: both are refused.
 */
public interface TokenRevocations {
  /** Whether the token {@code tokenId} ({@code jti}), issued to {@code roleId} at {@code issuedAt}, is revoked. */
  boolean isRevoked(String tokenId, String roleId, Instant issuedAt);

  /** Refuses the token {@code tokenId} from now on; it need not be remembered after {@code expiresAt}. */
  void revoke(String tokenId, Instant expiresAt);

  /** Refuses every token of {@code roleId} issued at or before {@code upTo} (to the second). */
  void revokeRole(String roleId, Instant upTo);

  /**
   * Calls {@code listener} after each revocation this node learns of, its own or another node's, so
   * that connections opened with a token (chat WebSockets) can be closed when it is revoked.
   */
  void onRevocation(Runnable listener);
}

package org.weltgewebe.http.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Tokens this node has verified, so that the next request with the same token costs a SHA-256 and
 * a lookup instead of an Ed25519 verification (profiled at 38–40 % of a node's CPU under a mixed
 * load, see docs/performance.md).
 *
 * <p>A bounded Caffeine cache keyed by the token's SHA-256, so the bearer secret itself is not kept;
 * an entry leaves it when its token expires (by Caffeine's own ticker, which only bounds memory).
 * What the cache remembers is only that the signature verified: {@link AccessTokens} checks every
 * hit again against the injected clock (expiry), the key ring (a retired signing key) and the
 * {@link TokenRevocations}, so caching never lets a token live longer than it would uncached.
 */
final class VerifiedTokens {
  /** What a verified token says: who it speaks for, its id, its key and its validity. */
  record Verified(String roleId, String tokenId, String kid, Instant issuedAt, Instant expiresAt) {}

  /** The SHA-256 of a token, as four longs: a small key with equals and hashCode for free. */
  record Digest(long a, long b, long c, long d) {
    static Digest of(String token) {
      ByteBuffer sha = ByteBuffer.wrap(sha256().digest(token.getBytes(StandardCharsets.US_ASCII)));
      return new Digest(sha.getLong(), sha.getLong(), sha.getLong(), sha.getLong());
    }

    /** The digest in hex: the id of a token that carries no {@code jti}. */
    String hex() {
      return String.format("%016x%016x%016x%016x", a, b, c, d);
    }
  }

  private final Cache<Digest, Verified> cache;

  VerifiedTokens(Clock clock, Duration allowedSkew, long maximumSize) {
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximumSize)
            .expireAfter(Expiry.creating((Digest digest, Verified verified) -> {
              Duration left = Duration.between(clock.instant(), verified.expiresAt().plus(allowedSkew));
              return left.isNegative() ? Duration.ZERO : left;
            }))
            .build();
  }

  Optional<Verified> find(Digest digest) {
    return Optional.ofNullable(cache.getIfPresent(digest));
  }

  void remember(Digest digest, Verified verified) {
    cache.put(digest, verified);
  }

  void forget(Digest digest) {
    cache.invalidate(digest);
  }

  /** Entries held now (Caffeine's estimate). */
  long size() {
    return cache.estimatedSize();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}

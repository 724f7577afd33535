package org.weltgewebe.http.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.MalformedJwtException;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.SignatureException;
import java.security.Key;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Issues, verifies and revokes the API's access tokens: JWTs signed with Ed25519 whose subject is
 * a role id. Verification accepts only the algorithm names {@code EdDSA} and {@code Ed25519}, picks
 * the key by {@code kid} from the {@link KeyRing}, and refuses unsigned ({@code none}) and HMAC
 * tokens before any key is used, so a public key can never be abused as an HMAC secret.
 *
 * <p>A token whose signature verified, or that this node issued, is remembered in {@link
 * VerifiedTokens}; its next use skips the Ed25519 check but not the others: expiry, a retired signing
 * key and {@link TokenRevocations} are checked on every request, cached or not.
 *
 * <p>Ed25519 is Bouncy Castle's, handed to jjwt as its JCA provider (not installed JVM-wide): the
 * JDK 17's own took 0.7 ms per signature or verification here, Bouncy Castle's 0.07–0.1 ms, and
 * registrations and log-ins, each signing a token, were half of the node's CPU in the main job's
 * coverage phase (docs/performance.md, {@code http/bench/token-cache.sh}).
 */
public final class AccessTokens {
  static final String ISSUER = "weltgewebe";
  /** The JCA provider of Ed25519 for signing and verifying (Bouncy Castle's). */
  static final Provider FAST_ED25519 = new BouncyCastleProvider();
  private static final Set<String> ACCEPTED_ALGORITHMS = Set.of("EdDSA", Ed25519Alias.ID);

  /** An issued token, as the API hands it out. */
  public record Issued(String accessToken, String tokenType, Instant expiresAt) {}

  /** Why a token was refused, in words for the client (and the WWW-Authenticate header). */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  private final KeyRing keys;
  private final Clock clock;
  private final Duration lifetime;
  private final Duration allowedSkew;
  private final JwtParser parser;
  private final VerifiedTokens verified;
  private final TokenRevocations revocations;
  private final Provider ed25519;

  /** Tokens with a cache of {@code 100,000} and revocations held by this node alone. */
  AccessTokens(KeyRing keys, Clock clock, Duration lifetime, Duration allowedSkew) {
    this(keys, clock, lifetime, allowedSkew, 100_000, new LocalTokenRevocations(clock, lifetime, allowedSkew));
  }

  public AccessTokens(
      KeyRing keys, Clock clock, Duration lifetime, Duration allowedSkew, long cacheSize, TokenRevocations revocations) {
    this(keys, clock, lifetime, allowedSkew, cacheSize, revocations, FAST_ED25519);
  }

  /** Tokens whose Ed25519 is {@code ed25519}'s ({@code null}: the JDK's own; for the benchmark's baseline). */
  AccessTokens(KeyRing keys, Clock clock, Duration lifetime, Duration allowedSkew, long cacheSize,
      TokenRevocations revocations, Provider ed25519) {
    this.keys = keys;
    this.ed25519 = ed25519;
    this.clock = clock;
    this.lifetime = lifetime;
    this.allowedSkew = allowedSkew;
    this.verified = new VerifiedTokens(clock, allowedSkew, cacheSize);
    this.revocations = revocations;
    this.parser =
        Jwts.parser()
            .provider(ed25519)
            .keyLocator(new KidLocator())
            .sig().add(new Ed25519Alias()).and()
            .clock(() -> Date.from(clock.instant()))
            .clockSkewSeconds(allowedSkew.toSeconds())
            .requireIssuer(ISSUER)
            .build();
  }

  /**
   * A fresh token for {@code roleId}, signed with the key that signs now. It is remembered as
   * verified at once (this node made its signature), so its first use here costs no verification.
   */
  public Issued issue(String roleId) {
    KeyRing.SigningKey key = keys.signingKey();
    Instant now = clock.instant();
    Instant expiresAt = now.plus(lifetime);
    String tokenId = UUID.randomUUID().toString();
    String token =
        Jwts.builder()
            .provider(ed25519)
            .header().keyId(key.kid()).and()
            .issuer(ISSUER)
            .subject(roleId)
            .id(tokenId)
            .issuedAt(Date.from(now))
            .expiration(Date.from(expiresAt))
            .signWith(key.pair().getPrivate(), Jwts.SIG.EdDSA)
            .compact();
    // As a verification would read it back: the claims count whole seconds.
    verified.remember(VerifiedTokens.Digest.of(token), new VerifiedTokens.Verified(roleId, tokenId, key.kid(),
        now.truncatedTo(ChronoUnit.SECONDS), expiresAt.truncatedTo(ChronoUnit.SECONDS)));
    return new Issued(token, "Bearer", expiresAt);
  }

  /** The role id a valid token speaks for. */
  public String verify(String token) throws Refused {
    return verified(token).roleId();
  }

  /** What a valid token says; refused when invalid, expired, of a retired key, or revoked. */
  VerifiedTokens.Verified verified(String token) throws Refused {
    VerifiedTokens.Digest digest = VerifiedTokens.Digest.of(token);
    Optional<VerifiedTokens.Verified> cached = verified.find(digest);
    VerifiedTokens.Verified result;
    if (cached.isPresent()) {
      result = cached.get();
      try {
        stillValid(result);
      } catch (Refused refused) {
        verified.forget(digest);
        throw refused;
      }
    } else {
      result = verifySignature(token, digest);
      verified.remember(digest, result);
    }
    if (revocations.isRevoked(result.tokenId(), result.roleId(), result.issuedAt())) {
      throw new Refused("the token was revoked (logged out, or the role's tokens were withdrawn)");
    }
    return result;
  }

  /**
   * Refuses {@code token} from now on (a logout). Only a valid token can be revoked: an invalid one
   * is refused anyway.
   */
  public void revoke(String token) throws Refused {
    VerifiedTokens.Verified valid = verified(token);
    revocations.revoke(valid.tokenId(), valid.expiresAt());
  }

  /** Calls {@code listener} after every revocation this node learns of (see {@link TokenRevocations#onRevocation}). */
  public void onRevocation(Runnable listener) {
    revocations.onRevocation(listener);
  }

  /** Refuses every token {@code roleId} was issued up to now (logout everywhere, leaving, forgetting). */
  public void revokeRole(String roleId) {
    revocations.revokeRole(roleId, clock.instant());
  }

  /** Verified tokens this node remembers now. */
  long cachedTokens() {
    return verified.size();
  }

  /** The checks a cached token passes again on every use: jjwt's expiry rule and a key that still verifies. */
  private void stillValid(VerifiedTokens.Verified token) throws Refused {
    if (clock.instant().minus(allowedSkew).isAfter(token.expiresAt())) {
      throw new Refused("the token expired at " + token.expiresAt());
    }
    if (keys.verificationKey(token.kid()).isEmpty()) {
      throw new Refused("the token's signing key " + token.kid() + " is unknown or retired");
    }
  }

  private VerifiedTokens.Verified verifySignature(String token, VerifiedTokens.Digest digest) throws Refused {
    try {
      Jws<Claims> jws = parser.parseSignedClaims(token);
      Claims claims = jws.getPayload();
      String subject = claims.getSubject();
      if (subject == null || subject.isBlank()) {
        throw new Refused("the token names no role (sub)");
      }
      if (claims.getExpiration() == null) {
        throw new Refused("the token has no expiry (exp)");
      }
      Instant issuedAt = claims.getIssuedAt() != null ? claims.getIssuedAt().toInstant() : Instant.EPOCH;
      String tokenId = claims.getId() != null && !claims.getId().isBlank() ? claims.getId() : digest.hex();
      return new VerifiedTokens.Verified(
          subject, tokenId, jws.getHeader().getKeyId(), issuedAt, claims.getExpiration().toInstant());
    } catch (ExpiredJwtException e) {
      throw new Refused("the token expired at " + e.getClaims().getExpiration().toInstant());
    } catch (SignatureException e) {
      throw new Refused("the token's signature does not verify");
    } catch (UnsupportedJwtException e) {
      throw new Refused("the token is not a signed JWT (unsigned or encrypted tokens are refused)");
    } catch (MalformedJwtException e) {
      throw new Refused("the token is malformed: it must be three base64url parts, header and claims JSON");
    } catch (UnknownKey e) {
      throw new Refused(e.getMessage());
    } catch (JwtException | IllegalArgumentException e) {
      throw new Refused("the token is not valid: " + e.getMessage());
    }
  }

  /** Finds the verification key by kid, after refusing every algorithm but Ed25519. */
  private final class KidLocator extends LocatorAdapter<Key> {
    @Override
    protected Key locate(JwsHeader header) {
      String algorithm = header.getAlgorithm();
      if (algorithm == null || !ACCEPTED_ALGORITHMS.contains(algorithm)) {
        throw new UnknownKey("algorithm " + algorithm + " is not accepted; tokens must be signed with EdDSA (Ed25519)");
      }
      String kid = header.getKeyId();
      if (kid == null || kid.isBlank()) {
        throw new UnknownKey("the token names no signing key (kid)");
      }
      return keys.verificationKey(kid)
          .orElseThrow(() -> new UnknownKey("the token's signing key " + kid + " is unknown or retired"));
    }
  }

  /** The header asks for a key or algorithm this API does not verify with. */
  private static final class UnknownKey extends JwtException {
    private static final long serialVersionUID = 1L;

    UnknownKey(String message) {
      super(message);
    }
  }
}

package org.weltgewebe.http.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PrivateJwk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Ed25519 keys that sign and verify access tokens, each named by a {@code kid}.
 *
 * <p>Rotation: a key signs from its {@code activeFrom} for {@link #ROTATION 6 months}; then its
 * successor signs, and the old key keeps verifying for {@link #OVERLAP 14 days}, so tokens issued
 * just before a rotation stay valid until they expire (access tokens live far shorter than the
 * overlap). After that the key is retired: tokens it signed are refused and it leaves the JWKS.
 * Time is read from the injected {@link Clock}, so a test rotates by moving the clock.
 *
 * <p>Where keys come from:
 *
 * <ul>
 *   <li>{@link #generated}: made at start and on each rotation, held only in memory. Good for one
 *       node and for tests; a restart invalidates every token, and two nodes do not accept each
 *       other's tokens.
 *   <li>{@link #fromFile} ({@code weltgewebe.auth.keys-file}): the keys every node of a cluster
 *       shares, as JSON {@code {"keys":[{"activeFrom":"2025-01-01T00:00:00Z","jwk":{private OKP
 *       JWK with kty, crv, x, d}}]}}. Operators rotate by adding a key with a later
 *       {@code activeFrom} before the current one is six months old; this ring never invents keys
 *       in that mode, because nodes that generated their own would disagree.
 * </ul>
 */
public final class KeyRing {
  /** How long one key signs before its successor takes over. */
  static final java.time.Period ROTATION = java.time.Period.ofMonths(6);
  /** How long a replaced key still verifies. */
  public static final Duration OVERLAP = Duration.ofDays(14);

  /** A key pair with its id and the moment it starts signing. */
  public record SigningKey(String kid, KeyPair pair, Instant activeFrom) {
    @Override
    public String toString() {
      return "SigningKey[kid=" + kid + ", activeFrom=" + activeFrom + "]";
    }
  }

  private final Clock clock;
  private final boolean generates;
  // Guarded by this: rotation adds and retires keys while requests read them.
  private final List<SigningKey> keys = new ArrayList<>();

  private KeyRing(Clock clock, boolean generates, List<SigningKey> initial) {
    this.clock = clock;
    this.generates = generates;
    keys.addAll(initial);
    keys.sort(Comparator.comparing(SigningKey::activeFrom));
  }

  /** A ring that makes its own keys, starting with one that signs from now. */
  public static KeyRing generated(Clock clock) {
    return new KeyRing(clock, true, List.of(newKey(clock.instant())));
  }

  /** A ring of the keys in {@code file} (see the class comment for the format). */
  public static KeyRing fromFile(Path file, Clock clock, ObjectMapper mapper) {
    try {
      JsonNode root = mapper.readTree(Files.readAllBytes(file));
      List<SigningKey> loaded = new ArrayList<>();
      for (JsonNode entry : root.path("keys")) {
        Instant activeFrom = Instant.parse(entry.path("activeFrom").asText());
        Jwk<?> jwk = Jwks.parser().build().parse(mapper.writeValueAsString(entry.path("jwk")));
        if (!(jwk instanceof PrivateJwk<?, ?, ?> privateJwk)) {
          throw new IllegalArgumentException("keys-file " + file + ": every jwk must hold the private part d");
        }
        var pair = privateJwk.toKeyPair();
        KeyPair keyPair = new KeyPair(pair.getPublic(), pair.getPrivate());
        String kid = jwk.getId() != null ? jwk.getId() : thumbprintOf(keyPair.getPublic());
        loaded.add(new SigningKey(kid, keyPair, activeFrom));
      }
      if (loaded.isEmpty()) {
        throw new IllegalArgumentException("keys-file " + file + " holds no keys");
      }
      return new KeyRing(clock, false, loaded);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read keys-file " + file, e);
    }
  }

  /** The key that signs now, rotating first when the current one has signed for six months. */
  public synchronized SigningKey signingKey() {
    Instant now = clock.instant();
    rotateIfDue(now);
    SigningKey signing = null;
    for (SigningKey key : keys) {
      if (!key.activeFrom().isAfter(now)) {
        signing = key;
      }
    }
    if (signing == null) {
      throw new IllegalStateException("no signing key is active at " + now + "; check weltgewebe.auth.keys-file");
    }
    return signing;
  }

  /** The public key named {@code kid}, if it verifies now. */
  synchronized Optional<PublicKey> verificationKey(String kid) {
    Instant now = clock.instant();
    rotateIfDue(now);
    return verifying(now).stream().filter(k -> k.kid().equals(kid)).findFirst().map(k -> k.pair().getPublic());
  }

  /** The keys that verify now, oldest first: what the JWKS publishes. */
  public synchronized List<SigningKey> verifyingKeys() {
    Instant now = clock.instant();
    rotateIfDue(now);
    return verifying(now);
  }

  private List<SigningKey> verifying(Instant now) {
    List<SigningKey> result = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      SigningKey key = keys.get(i);
      SigningKey successor = i + 1 < keys.size() ? keys.get(i + 1) : null;
      boolean started = !key.activeFrom().isAfter(now);
      boolean retired =
          successor != null
              && !successor.activeFrom().isAfter(now)
              && !now.isBefore(successor.activeFrom().plus(OVERLAP));
      if (started && !retired) {
        result.add(key);
      }
    }
    return result;
  }

  private void rotateIfDue(Instant now) {
    if (!generates) {
      return;
    }
    SigningKey newest = keys.get(keys.size() - 1);
    Instant due = rotationDue(newest.activeFrom());
    if (now.isBefore(due)) {
      return;
    }
    // After a long pause (a clock moved by a year) the successor starts now, not in the past.
    Instant activeFrom = now.isBefore(rotationDue(due)) ? due : now;
    keys.add(newKey(activeFrom));
    List<SigningKey> live = verifying(now);
    keys.removeIf(k -> k.activeFrom().isBefore(now) && !live.contains(k));
  }

  public static Instant rotationDue(Instant activeFrom) {
    return activeFrom.atOffset(ZoneOffset.UTC).plus(ROTATION).toInstant();
  }

  private static SigningKey newKey(Instant activeFrom) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new SigningKey(thumbprintOf(pair.getPublic()), pair, activeFrom);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
    }
  }

  /** The RFC 7638 thumbprint of a public key: a kid that names the key material itself. */
  static String thumbprintOf(PublicKey key) {
    return Jwks.builder().key(key).build().thumbprint().toString();
  }

  /** The public JWK of a key as the JWKS publishes it. */
  public static Map<String, Object> publicJwk(SigningKey key) {
    return Jwks.builder()
        .key(key.pair().getPublic())
        .id(key.kid())
        .algorithm("EdDSA")
        .publicKeyUse("sig")
        .build();
  }
}

package org.weltgewebe.http.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.security.Jwks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.http.MutableClock;

/** The key ring on its own: shared keys from a file, and their rotation by activeFrom. */
class KeyRingTest {
  static final Instant JAN = Instant.parse("2030-01-01T00:00:00Z");
  static final Instant JUL = Instant.parse("2030-07-01T00:00:00Z");

  @Test
  void keysFromAFileRotateAtTheirActiveFromAndOverlap14Days(@TempDir Path dir) throws Exception {
    KeyPair first = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    KeyPair second = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path file = dir.resolve("keys.json");
    Files.writeString(file, "{\"keys\":["
        + entry("2030-01-01T00:00:00Z", first, "k-jan") + "," + entry("2030-07-01T00:00:00Z", second, "k-jul") + "]}");
    MutableClock clock = new MutableClock(JAN.plus(Duration.ofDays(10)));
    KeyRing ring = KeyRing.fromFile(file, clock, new ObjectMapper());
    AccessTokens tokens = new AccessTokens(ring, clock, Duration.ofDays(30), Duration.ZERO);

    assertThat(ring.signingKey().kid()).isEqualTo("k-jan");
    assertThat(ring.verifyingKeys()).extracting(KeyRing.SigningKey::kid).containsExactly("k-jan");

    clock.set(JUL.minus(Duration.ofHours(1)));
    String signedInJune = tokens.issue("role-1").accessToken();
    clock.set(JUL.plus(Duration.ofDays(13)));
    assertThat(ring.signingKey().kid()).isEqualTo("k-jul");
    assertThat(ring.verifyingKeys()).extracting(KeyRing.SigningKey::kid).containsExactly("k-jan", "k-jul");
    assertThat(tokens.verify(signedInJune)).isEqualTo("role-1");

    clock.set(JUL.plus(Duration.ofDays(14)));
    assertThat(ring.verifyingKeys()).extracting(KeyRing.SigningKey::kid).containsExactly("k-jul");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> tokens.verify(signedInJune))
        .isInstanceOf(AccessTokens.Refused.class)
        .hasMessageContaining("k-jan is unknown or retired");
  }

  @Test
  void aGeneratedRingRotatesEverySixMonths() {
    MutableClock clock = new MutableClock(JAN);
    KeyRing ring = KeyRing.generated(clock);
    String first = ring.signingKey().kid();
    clock.set(JUL.minusSeconds(1));
    assertThat(ring.signingKey().kid()).isEqualTo(first);
    clock.set(JUL);
    String second = ring.signingKey().kid();
    assertThat(second).isNotEqualTo(first);
    clock.set(Instant.parse("2031-01-01T00:00:00Z"));
    assertThat(ring.signingKey().kid()).isNotIn(first, second);
    assertThat(ring.verifyingKeys()).hasSize(2);
  }

  static String entry(String activeFrom, KeyPair pair, String kid) {
    String jwk = Jwks.UNSAFE_JSON(Jwks.builder().keyPair(pair).id(kid).build());
    return "{\"activeFrom\":\"" + activeFrom + "\",\"jwk\":" + jwk + "}";
  }
}

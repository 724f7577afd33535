package org.weltgewebe.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.weltgewebe.http.MutableClock;

/**
 * The cache of verified tokens on its own: a cached token is still refused once it expires or is
 * revoked, alone or with every token of its role, and the cache holds one entry per token verified.
 */
class VerifiedTokensTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

  final MutableClock clock = new MutableClock(START);
  final KeyRing keys = KeyRing.generated(clock);
  final AccessTokens tokens =
      new AccessTokens(keys, clock, Duration.ofHours(1), Duration.ofSeconds(30), 1_000,
          new LocalTokenRevocations(clock, Duration.ofHours(1), Duration.ofSeconds(30)));

  @Test
  void aTokenIsCachedOnceWhenThisNodeIssuedItOrFirstVerifiedIt() throws Exception {
    AccessTokens otherNode =
        new AccessTokens(keys, clock, Duration.ofHours(1), Duration.ofSeconds(30), 1_000,
            new LocalTokenRevocations(clock, Duration.ofHours(1), Duration.ofSeconds(30)));
    String first = otherNode.issue("role-1").accessToken();
    String second = otherNode.issue("role-1").accessToken();
    assertThat(tokens.cachedTokens()).isZero();
    tokens.verify(first);
    tokens.verify(first);
    assertThat(tokens.cachedTokens()).isEqualTo(1);
    assertThat(tokens.verify(second)).isEqualTo("role-1");
    assertThat(tokens.cachedTokens()).isEqualTo(2);
    String own = tokens.issue("role-2").accessToken();
    assertThat(tokens.cachedTokens()).as("issued here: remembered at once").isEqualTo(3);
    assertThat(tokens.verify(own)).isEqualTo("role-2");
    assertThat(tokens.cachedTokens()).isEqualTo(3);
  }

  @Test
  void aRevokedCachedTokenIsRefusedAndItsSiblingsStillPass() throws Exception {
    String revoked = tokens.issue("role-1").accessToken();
    String other = tokens.issue("role-1").accessToken();
    assertThat(tokens.verify(revoked)).isEqualTo("role-1");
    assertThat(tokens.verify(other)).isEqualTo("role-1");
    assertThat(tokens.cachedTokens()).as("both are cached before the revocation").isEqualTo(2);

    tokens.revoke(revoked);

    assertThatThrownBy(() -> tokens.verify(revoked))
        .isInstanceOf(AccessTokens.Refused.class)
        .hasMessageContaining("revoked");
    assertThat(tokens.verify(other)).isEqualTo("role-1");
  }

  @Test
  void revokingARoleRefusesItsCachedTokensButNotLaterOnesNorOtherRoles() throws Exception {
    String before = tokens.issue("role-1").accessToken();
    String otherRole = tokens.issue("role-2").accessToken();
    tokens.verify(before);
    tokens.verify(otherRole);

    tokens.revokeRole("role-1");

    assertThatThrownBy(() -> tokens.verify(before)).hasMessageContaining("revoked");
    assertThat(tokens.verify(otherRole)).isEqualTo("role-2");
    // iat counts whole seconds: a token of the revocation's own second is refused too, a later one passes.
    assertThatThrownBy(() -> tokens.verify(tokens.issue("role-1").accessToken())).hasMessageContaining("revoked");
    clock.advance(Duration.ofSeconds(1));
    assertThat(tokens.verify(tokens.issue("role-1").accessToken())).isEqualTo("role-1");
  }

  @Test
  void aCachedTokenExpiresByTheInjectedClockWithTheSameSkewAsAnUncachedOne() throws Exception {
    String token = tokens.issue("role-1").accessToken();
    tokens.verify(token);
    clock.set(START.plus(Duration.ofHours(1)).plusSeconds(30));
    assertThat(tokens.verify(token)).as("within the 30 s of allowed skew").isEqualTo("role-1");
    clock.advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> tokens.verify(token))
        .isInstanceOf(AccessTokens.Refused.class)
        .hasMessage("the token expired at 2030-01-01T01:00:00Z");
  }

  @Test
  void tokensSignedWithBouncyCastleVerifyWithTheJdksEd25519AndTheOtherWayRound() throws Exception {
    AccessTokens jdk = new AccessTokens(keys, clock, Duration.ofHours(1), Duration.ofSeconds(30), 1_000,
        new LocalTokenRevocations(clock, Duration.ofHours(1), Duration.ofSeconds(30)), null);
    assertThat(jdk.verify(tokens.issue("role-1").accessToken())).isEqualTo("role-1");
    assertThat(tokens.verify(jdk.issue("role-2").accessToken())).isEqualTo("role-2");
    String token = tokens.issue("role-3").accessToken();
    int at = token.lastIndexOf('.') + 5;
    String tampered = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
    assertThatThrownBy(() -> jdk.verify(tampered)).hasMessage("the token's signature does not verify");
  }

  @Test
  void aTamperedTokenIsNotAHitForTheOriginal() throws Exception {
    String token = tokens.issue("role-1").accessToken();
    tokens.verify(token);
    // Change a character inside the signature: its last character carries padding bits a decoder
    // may ignore, so tampering there can leave the decoded signature as it was.
    int at = token.lastIndexOf('.') + 5;
    String tampered = token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
    assertThatThrownBy(() -> tokens.verify(tampered)).isInstanceOf(AccessTokens.Refused.class);
  }
}

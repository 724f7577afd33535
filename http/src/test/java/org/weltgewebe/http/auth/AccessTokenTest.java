package org.weltgewebe.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import com.fasterxml.jackson.databind.JsonNode;
import io.jsonwebtoken.Jwts;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.weltgewebe.http.MutableClock;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.http.TestNode;

/**
 * Access tokens over real HTTP, each test with its own API and a clock it moves: expired,
 * foreign-signed, unsigned, HMAC-with-the-public-key and unknown-kid tokens are refused with 401
 * and WWW-Authenticate, and so is a revoked token that the node had cached; the RFC 9864 name Ed25519 is accepted; key rotation keeps the old key
 * verifying for 14 days, and the JWKS shows exactly the keys that verify.
 */
@ExtendWith(TestNode.class)
class AccessTokenTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

  MutableClock clock;
  TestApi api;
  TestApi.Role ada;

  @BeforeEach
  void bind() throws Exception {
    clock = new MutableClock(START);
    api = TestNode.bind("", clock);
    ada = api.register("Ada");
  }

  @AfterEach
  void unbind() {
    api.close();
  }

  HttpResponse<String> personalWith(String token) throws Exception {
    return api.get("/roles/" + ada.id() + "/personal", token);
  }

  void assertRefused(String token, String detail) throws Exception {
    HttpResponse<String> response = personalWith(token);
    assertProblem(response, 401, detail);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer realm=\"weltgewebe\", error=\"invalid_token\""));
  }

  String kid() {
    return api.keys().signingKey().kid();
  }

  @Test
  void aValidTokenIsAccepted() throws Exception {
    assertThat(personalWith(ada.token()).statusCode()).isEqualTo(200);
  }

  @Test
  void anExpiredTokenIsRefused() throws Exception {
    clock.advance(Duration.ofHours(1).plusMinutes(1));
    assertRefused(ada.token(), "the token expired at 2030-01-01T01:00:00Z");
  }

  @Test
  void aTokenSignedWithAForeignKeyUnderOurKidIsRefused() throws Exception {
    KeyPair foreign = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String token = Jwts.builder().header().keyId(kid()).and()
        .issuer("weltgewebe").subject(ada.id()).expiration(Date.from(START.plusSeconds(600)))
        .signWith(foreign.getPrivate(), Jwts.SIG.EdDSA).compact();
    assertRefused(token, "signature does not verify");
  }

  @Test
  void aTokenOfAnUnknownKidIsRefused() throws Exception {
    KeyPair foreign = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String token = Jwts.builder().header().keyId("someone-elses-key").and()
        .issuer("weltgewebe").subject(ada.id()).expiration(Date.from(START.plusSeconds(600)))
        .signWith(foreign.getPrivate(), Jwts.SIG.EdDSA).compact();
    assertRefused(token, "signing key someone-elses-key is unknown or retired");
  }

  @Test
  void anUnsignedTokenIsRefused() throws Exception {
    String token = encode("{\"alg\":\"none\",\"kid\":\"" + kid() + "\"}") + "."
        + encode("{\"iss\":\"weltgewebe\",\"sub\":\"" + ada.id() + "\",\"exp\":" + START.plusSeconds(600).getEpochSecond() + "}") + ".";
    assertRefused(token, "not a signed JWT");
  }

  @Test
  void anHmacTokenKeyedWithOurPublicKeyIsRefused() throws Exception {
    byte[] publicKey = api.keys().signingKey().pair().getPublic().getEncoded();
    String signingInput = encode("{\"alg\":\"HS256\",\"kid\":\"" + kid() + "\"}") + "."
        + encode("{\"iss\":\"weltgewebe\",\"sub\":\"" + ada.id() + "\",\"exp\":" + START.plusSeconds(600).getEpochSecond() + "}");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(publicKey, "HmacSHA256"));
    String token = signingInput + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    assertRefused(token, "algorithm HS256 is not accepted");
  }

  @Test
  void aRevokedTokenIsRefusedThoughItWasCached() throws Exception {
    assertThat(personalWith(ada.token()).statusCode()).isEqualTo(200);
    assertThat(api.tokens().cachedTokens()).isPositive();
    api.tokens().revoke(ada.token());
    assertRefused(ada.token(), "the token was revoked");
  }

  @Test
  void garbageIsRefused() throws Exception {
    assertRefused("not.a.token", "the token is malformed");
  }

  @Test
  void theFullySpecifiedAlgorithmNameEd25519IsAccepted() throws Exception {
    KeyRing.SigningKey key = api.keys().signingKey();
    String token = Jwts.builder().header().keyId(key.kid()).and()
        .issuer("weltgewebe").subject(ada.id()).expiration(Date.from(START.plusSeconds(600)))
        .signWith(key.pair().getPrivate(), new Ed25519Alias()).compact();
    assertThat(new String(Base64.getUrlDecoder().decode(token.split("\\.", -1)[0]), StandardCharsets.UTF_8))
        .contains("\"alg\":\"Ed25519\"");
    assertThat(personalWith(token).statusCode()).isEqualTo(200);
  }

  @Test
  void afterARotationTheOldKeyVerifiesFor14DaysThenIsRetired() throws Exception {
    KeyRing.SigningKey first = api.keys().signingKey();
    Instant rotation = KeyRing.rotationDue(START);
    assertThat(jwksKids()).containsExactly(first.kid());

    clock.set(rotation.minus(Duration.ofMinutes(30)));
    TestApi.Role late = api.register("Late");
    String beforeRotation = late.token();

    clock.set(rotation.plus(Duration.ofMinutes(10)));
    HttpResponse<String> login = api.post("/roles/" + late.id() + "/session", null, beforeRotation);
    assertThat(login.statusCode()).as("a token of the old key verifies in the overlap").isEqualTo(200);
    String afterRotation = TestApi.json(login).at("/token/accessToken").asText();
    String newKid = headerKid(afterRotation);
    assertThat(newKid).isNotEqualTo(first.kid());
    assertThat(headerKid(beforeRotation)).isEqualTo(first.kid());
    assertThat(jwksKids()).containsExactly(first.kid(), newKid);

    clock.set(rotation.plus(KeyRing.OVERLAP).plusSeconds(1));
    assertThat(jwksKids()).containsExactly(newKid);
    String stillUnexpired = Jwts.builder().header().keyId(first.kid()).and()
        .issuer("weltgewebe").subject(ada.id()).expiration(Date.from(clock.instant().plusSeconds(600)))
        .signWith(first.pair().getPrivate(), Jwts.SIG.EdDSA).compact();
    assertRefused(stillUnexpired, "signing key " + first.kid() + " is unknown or retired");
    assertThat(personalWith(api.register("Bea").token()).statusCode()).isEqualTo(403);
  }

  @Test
  void theJwksPublishesOkpEd25519KeysWithoutPrivateParts() throws Exception {
    HttpResponse<String> response = api.get("/.well-known/jwks.json");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode key = TestApi.json(response).get("keys").get(0);
    assertThat(key.get("kty").asText()).isEqualTo("OKP");
    assertThat(key.get("crv").asText()).isEqualTo("Ed25519");
    assertThat(key.get("alg").asText()).isEqualTo("EdDSA");
    assertThat(key.get("kid").asText()).isEqualTo(kid());
    assertThat(Base64.getUrlDecoder().decode(key.get("x").asText())).hasSize(32);
    assertThat(key.has("d")).isFalse();
  }

  java.util.List<String> jwksKids() throws Exception {
    return TestApi.json(api.get("/.well-known/jwks.json")).get("keys").findValuesAsText("kid");
  }

  static String headerKid(String token) throws Exception {
    return TestApi.JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.", -1)[0])).get("kid").asText();
  }

  static String encode(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}

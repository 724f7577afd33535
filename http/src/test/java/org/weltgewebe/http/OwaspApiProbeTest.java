package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jsonwebtoken.Jwts;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.weltgewebe.http.auth.KeyRing;

/**
 * Probes of the OWASP API Security Top 10 (2023) that apply to this API, each sent over real HTTP
 * and each expected to be refused with its 4xx — and none of them to write anything: every probe
 * runs between two looks at the journal, and no event of the probed roles, knots and threads, and
 * no new entity at all, may appear in between.
 *
 * <ul>
 *   <li>API1, broken object level authorisation: every route that takes an id is listed as owned
 *       (another role's token gets 403), acting as the caller, or public; a new route must be listed.
 *   <li>API2, broken authentication: {@code alg: none}, HS256 keyed with our public key, expired, a
 *       retired key's kid, and a token whose claims were swapped for another role's.
 *   <li>API3, broken object property level authorisation: no home address or exact home in any
 *       public answer (excessive exposure), and no field a client may not set accepted (mass assignment).
 *   <li>API4, unrestricted resource consumption: registrations and log-ins are rate limited per
 *       address; oversized and deeply nested JSON bodies are refused before they reach a role.
 * </ul>
 */
@ExtendWith(TestNode.class)
class OwaspApiProbeTest {
  static final Instant START = Instant.parse("2031-03-01T00:00:00Z");
  static final String ADDRESS = "Probestraße 17";
  // Finer than the blurred public position, so any echo of the exact home is unmistakable.
  static final double HOME_LAT = 52.49871234;
  static final double HOME_LON = 13.40331234;

  MutableClock clock;
  TestApi api;
  TestApi.Role ada;
  TestApi.Role bob;
  String adaKnot;
  String adaThread;

  @BeforeEach
  void bind() throws Exception {
    clock = new MutableClock(START);
    api = TestNode.bind("weltgewebe.http.session-limit { per-second = 1, burst = 8 }", clock);
    ada = register("Ada Probe", ADDRESS + " " + START.toEpochMilli());
    bob = register("Bob Probe", "Elsewhere 1");
    JsonNode knot = api.createKnot(ada, "Probe knot");
    adaKnot = knot.at("/knot/knotId").asText();
    adaThread = knot.at("/designThreadId").asText();
  }

  @AfterEach
  void unbind() {
    api.close();
  }

  @Test
  void api1EveryIdRouteIsOwnedCallerScopedOrPublicAndAnotherRolesObjectIsRefused() throws Exception {
    Set<String> owned = Set.of(
        "DELETE /roles/{id}", "GET /roles/{id}/personal", "GET /roles/{id}/personal-data", "PUT /roles/{id}/profile",
        "POST /roles/{id}/session", "DELETE /roles/{id}/session", "PUT /threads/{id}/yarn", "DELETE /threads/{id}/yarn");
    // The id names what is acted on; the actor is always the token's own role (no role id in the body).
    Set<String> asCaller = Set.of(
        "POST /knots/{id}/connections", "POST /knots/{id}/conversations", "POST /conversations/{id}/messages",
        "GET /conversations/{id}/chat", "POST /knots/{id}/proposals", "POST /proposals/{id}/objections",
        "PUT /proposals/{id}/vote", "PUT /regions/{cell}/delegation", "DELETE /regions/{cell}/delegation",
        "POST /knots/{id}/account/donations");
    // Public by purpose: the map, its feeds, and what roles have made public.
    Set<String> open = Set.of(
        "GET /roles/{id}", "GET /knots/{id}", "GET /conversations/{id}", "GET /threads/{id}", "GET /regions/{cell}",
        "GET /tiles/{z}/{x}/{y}", "GET /regions/{cell}/feed", "GET /conversations/{id}/feed", "GET /proposals/{id}",
        "GET /proposals/{id}/tally", "GET /proposals/{id}/feed", "GET /regions/{cell}/delegations",
        "GET /knots/{id}/account");
    Set<String> withId = new TreeSet<>();
    api.bound.routes().table().forEach(endpoint -> {
      if (endpoint.toString().contains("{")) {
        withId.add(endpoint.toString());
      }
    });
    Set<String> listed = new TreeSet<>(owned);
    listed.addAll(asCaller);
    listed.addAll(open);
    assertThat(listed).as("every route that takes an id is classified here").isEqualTo(withId);

    long before = journalHead();
    Map<String, HttpResponse<String>> refused = new java.util.LinkedHashMap<>();
    String profile = TestApi.body(Map.of("goods", List.of("stolen"), "skills", List.of()));
    refused.put("DELETE /roles/{id}", api.delete("/roles/" + ada.id(), bob.token()));
    refused.put("GET /roles/{id}/personal", api.get("/roles/" + ada.id() + "/personal", bob.token()));
    refused.put("GET /roles/{id}/personal-data", api.get("/roles/" + ada.id() + "/personal-data", bob.token()));
    refused.put("PUT /roles/{id}/profile", api.put("/roles/" + ada.id() + "/profile", profile, bob.token()));
    refused.put("POST /roles/{id}/session", api.post("/roles/" + ada.id() + "/session", null, bob.token()));
    refused.put("DELETE /roles/{id}/session", api.delete("/roles/" + ada.id() + "/session", bob.token()));
    refused.put("PUT /threads/{id}/yarn", api.put("/threads/" + adaThread + "/yarn", null, bob.token()));
    refused.put("DELETE /threads/{id}/yarn", api.delete("/threads/" + adaThread + "/yarn", bob.token()));
    assertThat(refused.keySet()).isEqualTo(owned);
    refused.forEach((route, response) -> assertThat(response.statusCode()).as(route + ": " + response.body()).isEqualTo(403));
    assertNothingWrittenSince(before);
    assertThat(api.get("/roles/" + ada.id(), null).body()).doesNotContain("stolen");
  }

  @Test
  void api2BrokenAuthenticationIsRefusedOnAWrite() throws Exception {
    KeyRing.SigningKey key = api.bound.keys().signingKey();
    String kid = key.kid();
    long exp = START.plusSeconds(600).getEpochSecond();
    String claims = "{\"iss\":\"weltgewebe\",\"sub\":\"" + ada.id() + "\",\"exp\":" + exp + "}";
    Map<String, String> tokens = new java.util.LinkedHashMap<>();
    tokens.put("alg none", encode("{\"alg\":\"none\",\"kid\":\"" + kid + "\"}") + "." + encode(claims) + ".");
    String hsInput = encode("{\"alg\":\"HS256\",\"kid\":\"" + kid + "\"}") + "." + encode(claims);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.pair().getPublic().getEncoded(), "HmacSHA256"));
    tokens.put("HS256 keyed with the public key", hsInput + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(hsInput.getBytes(StandardCharsets.US_ASCII))));
    tokens.put("expired", Jwts.builder().header().keyId(kid).and().issuer("weltgewebe").subject(ada.id())
        .issuedAt(Date.from(START.minusSeconds(7200))).expiration(Date.from(START.minusSeconds(3600)))
        .signWith(key.pair().getPrivate(), Jwts.SIG.EdDSA).compact());
    String[] bobParts = bob.token().split("\\.", -1);
    String adaClaims = new String(Base64.getUrlDecoder().decode(bobParts[1]), StandardCharsets.UTF_8)
        .replace(bob.id(), ada.id());
    tokens.put("another role's claims under bob's signature", bobParts[0] + "." + encode(adaClaims) + "." + bobParts[2]);

    String knot = TestApi.body(Map.of("type", "IDEA", "title", "Forged",
        "location", Map.of("lat", TestApi.KREUZBERG_LAT, "lon", TestApi.KREUZBERG_LON)));
    long before = journalHead();
    for (Map.Entry<String, String> token : tokens.entrySet()) {
      HttpResponse<String> created = api.post("/knots", knot, token.getValue());
      assertThat(created.statusCode()).as(token.getKey() + ": " + created.body()).isEqualTo(401);
      HttpResponse<String> changed = api.put("/roles/" + ada.id() + "/profile",
          TestApi.body(Map.of("goods", List.of("forged"), "skills", List.of())), token.getValue());
      assertThat(changed.statusCode()).as(token.getKey() + ": " + changed.body()).isEqualTo(401);
    }
    assertNothingWrittenSince(before);

    // A retired key: six months and 14 days after its successor took over, its tokens are refused.
    Instant retired = KeyRing.rotationDue(START).plus(KeyRing.OVERLAP).plusSeconds(1);
    clock.set(retired);
    String ofRetiredKey = Jwts.builder().header().keyId(kid).and().issuer("weltgewebe").subject(ada.id())
        .issuedAt(Date.from(retired)).expiration(Date.from(retired.plusSeconds(600)))
        .signWith(key.pair().getPrivate(), Jwts.SIG.EdDSA).compact();
    before = journalHead();
    HttpResponse<String> created = api.post("/knots", knot, ofRetiredKey);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(401);
    assertThat(created.body()).contains("unknown or retired");
    assertNothingWrittenSince(before);
  }

  @Test
  void api3NoPublicAnswerShowsTheHomeAndNoFieldAClientMayNotSetIsAccepted() throws Exception {
    String cell = TestApi.json(api.get("/roles/" + ada.id())).at("/publicLocation").toString();
    assertThat(cell).doesNotContain("52.49871234");
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/search?q=Ada%20Probe&kind=role").body().contains(ada.id()));
    List<HttpResponse<String>> publicAnswers = new ArrayList<>();
    publicAnswers.add(api.get("/roles/" + ada.id()));
    publicAnswers.add(api.get("/knots/" + adaKnot));
    publicAnswers.add(api.get("/threads/" + adaThread));
    publicAnswers.add(api.get("/search?q=Ada%20Probe&kind=role"));
    publicAnswers.add(api.get("/knots?cell=" + TestApi.json(api.get("/threads/" + adaThread)).at("/cell").asText("871f18b25ffffff")));
    for (HttpResponse<String> answer : publicAnswers) {
      assertThat(answer.statusCode()).as(answer.uri() + ": " + answer.body()).isEqualTo(200);
      assertThat(answer.body()).as(answer.uri().toString())
          .doesNotContain(ADDRESS).doesNotContain("52.49871234").doesNotContain("13.40331234");
    }

    long before = journalHead();
    Map<String, HttpResponse<String>> refused = new java.util.LinkedHashMap<>();
    refused.put("a registration that picks its own id and spins", api.post("/roles", TestApi.body(Map.of(
        "displayName", "Mallory", "homeAddress", "Nowhere 1", "roleId", ada.id(), "spinning", true,
        "home", Map.of("lat", HOME_LAT, "lon", HOME_LON))), null));
    refused.put("a profile change that renames", api.put("/roles/" + ada.id() + "/profile", TestApi.body(Map.of(
        "goods", List.of(), "skills", List.of(), "displayName", "Renamed")), ada.token()));
    refused.put("a knot tied in another role's name", api.post("/knots", TestApi.body(Map.of(
        "type", "IDEA", "title", "Framed", "createdBy", bob.id(),
        "location", Map.of("lat", TestApi.KREUZBERG_LAT, "lon", TestApi.KREUZBERG_LON))), ada.token()));
    refused.put("a donation booked to another donor", api.post("/knots/" + adaKnot + "/account/donations",
        TestApi.body(Map.of("amountCents", 500, "donorRoleId", bob.id())), ada.token()));
    refused.forEach((probe, response) -> {
      assertThat(response.statusCode()).as(probe + ": " + response.body()).isEqualTo(400);
      assertThat(response.body()).as(probe).contains("unknown field");
    });
    assertNothingWrittenSince(before);
  }

  @Test
  void api4RegistrationsAreRateLimitedAndHugeOrDeepBodiesRefused() throws Exception {
    // Two registrations of the burst of 8 are spent in bind(); the clock stands still, so nothing refills.
    long before = journalHead();
    int created = 0;
    List<HttpResponse<String>> limited = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = api.post("/roles", TestApi.body(Map.of("displayName", "Burst " + i,
          "homeAddress", "Burstweg " + i, "home", Map.of("lat", HOME_LAT, "lon", HOME_LON))), null);
      if (response.statusCode() == 201) {
        created++;
      } else {
        limited.add(response);
      }
    }
    assertThat(created).isEqualTo(6);
    assertThat(limited).hasSize(4).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(429);
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
    });
    assertThat(newEntities(before, "role")).as("only the admitted registrations wrote").isEqualTo(6);
    HttpResponse<String> login = api.post("/roles/" + ada.id() + "/session", null, ada.token());
    assertThat(login.statusCode()).as("log-ins share the bucket").isEqualTo(429);
    clock.advance(Duration.ofSeconds(2));
    assertThat(api.post("/roles/" + ada.id() + "/session", null, ada.token()).statusCode()).as("refilled").isEqualTo(200);

    before = journalHead();
    String huge = TestApi.body(Map.of("type", "IDEA", "title", "Huge", "description", "x".repeat(70 * 1024),
        "location", Map.of("lat", 52.5, "lon", 13.4)));
    assertThat(api.post("/knots", huge, ada.token()).statusCode()).isEqualTo(413);
    String deep = "{\"type\":\"IDEA\",\"title\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    HttpResponse<String> nested = api.post("/knots", deep, ada.token());
    assertThat(nested.statusCode()).as(nested.body()).isEqualTo(400);
    String deepObject = "{\"displayName\":\"Deep\",\"homeAddress\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3000) + "}";
    clock.advance(Duration.ofSeconds(2));
    HttpResponse<String> deepRole = api.post("/roles", deepObject, null);
    assertThat(deepRole.statusCode()).as(deepRole.body()).isEqualTo(400);
    assertNothingWrittenSince(before);
  }

  private TestApi.Role register(String name, String address) throws Exception {
    HttpResponse<String> response = api.post("/roles", TestApi.body(Map.of("displayName", name, "homeAddress", address,
        "home", Map.of("lat", HOME_LAT, "lon", HOME_LON))), null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode session = TestApi.json(response);
    return new TestApi.Role(session.at("/profile/roleId").asText(), session.at("/token/accessToken").asText());
  }

  /** The journal's newest ordering. */
  private static long journalHead() throws Exception {
    try (Connection c = TestNode.node().database().connect();
        PreparedStatement s = c.prepareStatement("SELECT coalesce(max(ordering), 0) FROM event_journal");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Entities of {@code type} born (first event) after {@code ordering}. */
  private static int newEntities(long ordering, String type) throws Exception {
    try (Connection c = TestNode.node().database().connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT count(*) FROM event_journal WHERE ordering > ? AND sequence_number = 1 AND persistence_id LIKE ?")) {
      s.setLong(1, ordering);
      s.setString(2, type + "|%");
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** No event of the probed roles, knot and thread, and no new entity, after {@code ordering}. */
  private void assertNothingWrittenSince(long ordering) throws Exception {
    List<String> written = new ArrayList<>();
    try (Connection c = TestNode.node().database().connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT persistence_id, sequence_number FROM event_journal WHERE ordering > ?"
                + " AND (sequence_number = 1 OR persistence_id LIKE ? OR persistence_id LIKE ? OR persistence_id LIKE ?"
                + " OR persistence_id LIKE ?)")) {
      s.setLong(1, ordering);
      s.setString(2, "%" + ada.id());
      s.setString(3, "%" + bob.id());
      s.setString(4, "%" + adaKnot);
      s.setString(5, "%" + adaThread);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          written.add(rs.getString(1) + "#" + rs.getLong(2));
        }
      }
    }
    assertThat(written).as("events written by refused probes").isEmpty();
  }

  static String encode(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}

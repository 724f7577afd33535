package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.http.shedding.Endpoint;
import org.weltgewebe.http.shedding.Priority;

/**
 * Search over real HTTP, fed the whole way: knots and profiles written through the API reach the
 * journal, the outbox relays them to JetStream, the read-model consumer writes the views that the
 * search reads. The node is shared with other test classes, so the words here are this class's own.
 */
class SearchRoutesTest {
  static final double HOME_LAT = 52.4991;
  static final double HOME_LON = 13.4242;

  @RegisterExtension static final TestApi api = TestApi.onSharedNode();
  static String workshop;
  static String garden;
  static String mender;

  @BeforeAll
  static void feed() throws Exception {
    HttpResponse<String> registered = api.post("/roles", TestApi.body(Map.of(
        "displayName", "Mira Flickschuster", "homeAddress", "Wrangelstraße 17, 10997 Berlin",
        "home", Map.of("lat", HOME_LAT, "lon", HOME_LON))), null);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    mender = TestApi.json(registered).at("/profile/roleId").asText();
    String token = TestApi.json(registered).at("/token/accessToken").asText();
    HttpResponse<String> profile = api.put("/roles/" + mender + "/profile", TestApi.body(Map.of(
        "goods", List.of("Lastenradanhänger"), "skills", List.of("Fahrradreparatur", "Schweißen"))), token);
    assertThat(profile.statusCode()).as(profile.body()).isEqualTo(200);

    workshop = knot(token, "FACILITY", "Fahrradwerkstatt Wrangelkiez", "Montags offen, Werkzeug ist da");
    garden = knot(token, "IDEA", "Hochbeete am Spreeufer", "Wir bauen Beete und daneben eine Fahrradwerkstatt");

    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(ids(search("q=Fahrradwerkstatt"))).contains(workshop, garden);
      assertThat(ids(search("q=Schweissen"))).contains(mender);
    });
  }

  static String knot(String token, String type, String title, String description) throws Exception {
    HttpResponse<String> response = api.post("/knots", TestApi.body(Map.of("type", type, "title", title,
        "description", description, "location", Map.of("lat", 52.5003, "lon", 13.4270))), token);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return TestApi.json(response).at("/knot/knotId").asText();
  }

  @Test
  void findsByTheBeginningOfWords() throws Exception {
    assertThat(ids(search("q=" + encode("fahrr wrangel")))).containsExactly(workshop);
    assertThat(ids(search("q=flicksch"))).containsExactly(mender);
  }

  @Test
  void findsDespiteATypo() throws Exception {
    assertThat(ids(search("q=Fahradwerkstatt"))).containsSubsequence(workshop, garden);
    assertThat(ids(search("q=Fahrradreperatur"))).containsExactly(mender);
  }

  @Test
  void aTitleMatchRanksAboveADescriptionMatch() throws Exception {
    JsonNode hits = search("q=Fahrradwerkstatt").get("hits");
    assertThat(ids(search("q=Fahrradwerkstatt"))).containsSubsequence(workshop, garden);
    assertThat(hits.get(0).get("score").asDouble()).isGreaterThan(hits.get(1).get("score").asDouble());
    assertThat(hits.get(0).get("kind").asText()).isEqualTo("KNOT");
    assertThat(hits.get(0).get("knotType").asText()).isEqualTo("FACILITY");
    assertThat(hits.get(1).get("snippet").asText()).contains("Fahrradwerkstatt");
  }

  @Test
  void filtersByKindAndKnotType() throws Exception {
    assertThat(ids(search("q=fahrr&kind=role"))).containsExactly(mender);
    assertThat(ids(search("q=fahrr&kind=KNOT"))).contains(workshop, garden).doesNotContain(mender);
    assertThat(ids(search("q=fahrr&type=idea"))).containsExactly(garden);
    assertThat(ids(search("q=fahrr&bbox=13.42,52.49,13.43,52.51"))).contains(workshop, garden, mender);
    assertThat(ids(search("q=fahrr&bbox=11.5,48.1,11.6,48.2"))).isEmpty();
  }

  @Test
  void aRoleIsFoundByItsPublicProfileOnly() throws Exception {
    JsonNode hit = search("q=Schweissen").get("hits").get(0);
    assertThat(hit.get("id").asText()).isEqualTo(mender);
    assertThat(hit.get("title").asText()).isEqualTo("Mira Flickschuster");
    assertThat(hit.get("snippet").asText()).contains("Lastenradanhänger").contains("Schweißen");
    assertThat(hit.at("/location/lat").asDouble()).as("the blurred position, not the home").isNotEqualTo(HOME_LAT);

    for (String address : List.of("Wrangelstraße", "Wrangelstrasse", "10997", encode("Wrangelstraße 17"))) {
      JsonNode found = search("q=" + encode(address) + "&kind=role");
      assertThat(found.get("hits")).as(address).isEmpty();
    }
    assertThat(api.get("/search?q=Flickschuster").body()).doesNotContain("Wrangel").doesNotContain("10997");
  }

  @Test
  void pagesCarryTheNextOffset() throws Exception {
    JsonNode first = search("q=Fahrradwerkstatt&limit=1");
    assertThat(first.get("hits")).hasSize(1);
    assertThat(first.get("nextOffset").asInt()).isEqualTo(1);
    JsonNode second = search("q=Fahrradwerkstatt&limit=1&offset=1");
    assertThat(second.at("/hits/0/id").asText()).isNotEqualTo(first.at("/hits/0/id").asText());
    assertThat(search("q=Flickschuster&limit=50").get("nextOffset").isNull()).isTrue();
  }

  @Test
  void punctuationIsNoSyntax() throws Exception {
    for (String text : List.of("foo:* & | ! ( ) <-> ''", "'", "\\", "%", "Fahrrad' | 'x", "!!!", "😀")) {
      HttpResponse<String> response = api.get("/search?q=" + encode(text));
      assertThat(response.statusCode()).as(text + ": " + response.body()).isEqualTo(200);
    }
    assertThat(ids(search("q=" + encode("(Fahrradwerkstatt)!")))).contains(workshop);
  }

  @Test
  void badParametersAre400WithTheReason() throws Exception {
    assertProblem(api.get("/search"), 400, "query parameter 'q' is required");
    assertProblem(api.get("/search?q="), 400, "q must not be empty");
    assertProblem(api.get("/search?q=%20%20"), 400, "q must not be empty");
    assertProblem(api.get("/search?q=" + "x".repeat(201)), 400, "q must have at most 200 characters, got 201");
    assertThat(api.get("/search?q=" + "x".repeat(200)).statusCode()).isEqualTo(200);
    assertProblem(api.get("/search?q=a%00b"), 400, "q must not contain control characters");
    assertProblem(api.get("/search?q=x&kind=thread"), 400, "kind must be knot or role, got \"thread\"");
    assertProblem(api.get("/search?q=x&type=castle"), 400, "type must be one of [IDEA, EVENT");
    assertProblem(api.get("/search?q=x&type=IDEA&kind=role"), 400, "type filters knots; it cannot be combined with kind=role");
    assertProblem(api.get("/search?q=x&limit=0"), 400, "limit must be an integer in [1, 50], got \"0\"");
    assertProblem(api.get("/search?q=x&limit=51"), 400, "limit must be an integer in [1, 50], got \"51\"");
    assertProblem(api.get("/search?q=x&limit=ten"), 400, "limit must be an integer in [1, 50], got \"ten\"");
    assertProblem(api.get("/search?q=x&offset=-1"), 400, "offset must be an integer in [0, 1000]");
    assertProblem(api.get("/search?q=x&offset=1001"), 400, "offset must be an integer in [0, 1000]");
    assertProblem(api.get("/search?q=x&bbox=1,2,3"), 400, "bbox must be minLon,minLat,maxLon,maxLat");
    assertProblem(api.get("/search?q=x&kinds=role"), 400, "unknown query parameter [kinds]");
    assertProblem(api.get("/search?q=x&q=y"), 400, "query parameter 'q' is given 2 times");
    // java.net.http refuses to send bad percent-encoding, so this request goes over a plain socket.
    // Pekko's request parser refuses it before any route runs (400, text/plain, for every route).
    assertThat(rawGet("/search?q=%zz")).startsWith("HTTP/1.1 400");
  }

  @Test
  void searchIsShedFirstLikeTiles() {
    List<Endpoint> table = new ArrayList<>(api.table());
    assertThat(table).contains(new Endpoint("GET", "/search", Priority.BULK), new Endpoint("GET", "/tiles/{z}/{x}/{y}", Priority.BULK));
  }

  static JsonNode search(String query) throws Exception {
    HttpResponse<String> response = api.get("/search?" + query);
    assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(200);
    return TestApi.json(response);
  }

  static String rawGet(String target) throws Exception {
    try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), api.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static List<String> ids(JsonNode results) {
    List<String> ids = new ArrayList<>();
    results.get("hits").forEach(hit -> ids.add(hit.get("id").asText()));
    return ids;
  }

  static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;

/** Knots over real HTTP: tie, read, connect. (Listing by area is in {@link MapRoutesTest}.) */
class KnotRoutesTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();
  static TestApi.Role ada;

  @BeforeAll
  static void registerAda() throws Exception {
    ada = api.register("Ada");
  }

  @Test
  void tyingAKnotAnswersItWithTheCreatorsDesignThread() throws Exception {
    HttpResponse<String> response =
        api.post("/knots", TestApi.body(Map.of("type", "EVENT", "title", "Street party",
            "description", "bring chairs", "location", Map.of("lat", 52.499, "lon", 13.404),
            "eventStart", "2030-06-01T16:00:00Z", "eventEnd", "2030-06-01T22:00:00Z")), ada.token());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode created = TestApi.json(response);
    String knotId = created.at("/knot/knotId").asText();
    assertThat(response.headers().firstValue("Location")).hasValue("/knots/" + knotId);
    assertThat(created.at("/knot/createdBy").asText()).isEqualTo(ada.id());
    assertThat(created.at("/knot/threadCount").asInt()).isEqualTo(1);

    JsonNode thread = TestApi.json(api.get("/threads/" + created.get("designThreadId").asText()));
    assertThat(thread.get("kind").asText()).isEqualTo("DESIGN");
    assertThat(thread.get("knotId").asText()).isEqualTo(knotId);

    HttpResponse<String> read = api.get("/knots/" + knotId);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(TestApi.json(read).get("title").asText()).isEqualTo("Street party");
    assertThat(TestApi.json(read).get("eventStart").asText()).isEqualTo("2030-06-01T16:00:00Z");
  }

  @Test
  void tyingRefusesAnonymousCallersUnknownTypesAndUndatedEvents() throws Exception {
    String idea = TestApi.body(Map.of("type", "IDEA", "title", "t", "location", Map.of("lat", 52.5, "lon", 13.4)));
    assertProblem(api.post("/knots", idea, null), 401, "access token");

    String party = TestApi.body(Map.of("type", "PARTY", "title", "t", "location", Map.of("lat", 52.5, "lon", 13.4)));
    assertProblem(api.post("/knots", party, ada.token()), 400, "field 'type' must be one of [IDEA, EVENT");

    String undated = TestApi.body(Map.of("type", "EVENT", "title", "t", "location", Map.of("lat", 52.5, "lon", 13.4)));
    assertProblem(api.post("/knots", undated, ada.token()), 422, "an EVENT knot needs eventStart and eventEnd");

    String offEarth = TestApi.body(Map.of("type", "IDEA", "title", "t", "location", Map.of("lat", 95, "lon", 13.4)));
    assertProblem(api.post("/knots", offEarth, ada.token()), 422, "latitude must lie in [-90, 90]");

    String badInstant = TestApi.body(Map.of("type", "EVENT", "title", "t", "location", Map.of("lat", 52.5, "lon", 13.4),
        "eventStart", "next tuesday", "eventEnd", "2030-06-01T22:00:00Z"));
    assertProblem(api.post("/knots", badInstant, ada.token()), 400, "field 'eventStart' must be an ISO-8601 instant");
  }

  @Test
  void anUnknownKnotIs404() throws Exception {
    assertProblem(api.get("/knots/no-such-knot"), 404, "knot no-such-knot not found");
  }

  @Test
  void connectingSpinsAThreadFromTheCallerToTheKnot() throws Exception {
    String knotId = api.createKnot(ada, "Tool library").at("/knot/knotId").asText();
    TestApi.Role bob = api.register("Bob");

    HttpResponse<String> response =
        api.post("/knots/" + knotId + "/connections", "{\"connection\":\"COMMIT\"}", bob.token());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode thread = TestApi.json(response);
    assertThat(thread.get("roleId").asText()).isEqualTo(bob.id());
    assertThat(thread.get("kind").asText()).isEqualTo("VOTE");
    assertThat(response.headers().firstValue("Location")).hasValue("/threads/" + thread.get("threadId").asText());
    JsonNode knot = TestApi.json(api.get("/knots/" + knotId));
    assertThat(knot.get("connections").get(bob.id()).asText()).isEqualTo("COMMIT");
    assertThat(knot.get("threadCount").asInt()).isEqualTo(2);
  }

  @Test
  void connectingRefusesUnknownKnotsMissingConnectionsAndDesignThreads() throws Exception {
    String knotId = api.createKnot(ada, "Bench").at("/knot/knotId").asText();
    assertProblem(api.post("/knots/nope/connections", "{\"connection\":\"AGREE\"}", ada.token()), 404, "knot nope not found");
    assertProblem(api.post("/knots/" + knotId + "/connections", "{}", ada.token()), 422, "connection is required");
    assertProblem(api.post("/knots/" + knotId + "/connections", "{\"connection\":\"AGREE\",\"kind\":\"DESIGN\"}", ada.token()),
        422, "a DESIGN thread is spun by tying a knot");
    assertProblem(api.post("/knots/" + knotId + "/connections", "{\"connection\":\"AGREE\"}", null), 401, "access token");
  }
}

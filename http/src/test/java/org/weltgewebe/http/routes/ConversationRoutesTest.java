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

/** Conversations over real HTTP: start, post idempotently, read in pages. */
class ConversationRoutesTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();
  static TestApi.Role ada;
  static TestApi.Role bob;
  static String knotId;

  @BeforeAll
  static void tieAKnot() throws Exception {
    ada = api.register("Ada");
    bob = api.register("Bob");
    knotId = api.createKnot(ada, "Repair café").at("/knot/knotId").asText();
  }

  String start() throws Exception {
    HttpResponse<String> response =
        api.post("/knots/" + knotId + "/conversations",
            TestApi.body(Map.of("title", "When?", "text", "Saturdays?")), ada.token());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return TestApi.json(response).at("/conversation/conversationId").asText();
  }

  @Test
  void startingAConversationAnswersItsFirstPostAndTheStartersThread() throws Exception {
    HttpResponse<String> response =
        api.post("/knots/" + knotId + "/conversations",
            TestApi.body(Map.of("title", "Tools", "text", "Who has a drill?")), ada.token());

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode started = TestApi.json(response);
    String id = started.at("/conversation/conversationId").asText();
    assertThat(response.headers().firstValue("Location")).hasValue("/conversations/" + id);
    assertThat(started.at("/conversation/messages/0/text").asText()).isEqualTo("Who has a drill?");
    JsonNode thread = TestApi.json(api.get("/threads/" + started.get("threadId").asText()));
    assertThat(thread.get("kind").asText()).isEqualTo("CONVERSATION");
  }

  @Test
  void startingRefusesUnknownKnotsAnonymousCallersAndBlankTitles() throws Exception {
    String body = TestApi.body(Map.of("title", "t", "text", "x"));
    assertProblem(api.post("/knots/nope/conversations", body, ada.token()), 404, "knot nope not found");
    assertProblem(api.post("/knots/" + knotId + "/conversations", body, null), 401, "access token");
    assertProblem(api.post("/knots/" + knotId + "/conversations", TestApi.body(Map.of("title", "", "text", "x")),
        ada.token()), 422, "title must have 1 to 200 characters");
  }

  @Test
  void aRetriedPostIsWrittenOnceAndAnsweredTheSame() throws Exception {
    String id = start();
    String post = TestApi.body(Map.of("messageId", "m-1", "text", "I can come"));

    HttpResponse<String> first = api.post("/conversations/" + id + "/messages", post, bob.token());
    HttpResponse<String> retry = api.post("/conversations/" + id + "/messages", post, bob.token());

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(retry.body()).isEqualTo(first.body());
    JsonNode page = TestApi.json(api.get("/conversations/" + id));
    assertThat(page.get("totalMessages").asInt()).isEqualTo(2);
    assertThat(page.at("/messages/1/roleId").asText()).isEqualTo(bob.id());
  }

  @Test
  void aMessageIdReusedForOtherContentIsAConflict() throws Exception {
    String id = start();
    api.post("/conversations/" + id + "/messages", TestApi.body(Map.of("messageId", "m-1", "text", "yes")), bob.token());
    assertProblem(api.post("/conversations/" + id + "/messages", TestApi.body(Map.of("messageId", "m-1", "text", "no")),
        bob.token()), 409, "message m-1 already exists");
  }

  @Test
  void readingPagesThroughTheMessages() throws Exception {
    String id = start();
    for (int i = 1; i <= 4; i++) {
      api.post("/conversations/" + id + "/messages", TestApi.body(Map.of("messageId", "m" + i, "text", "post " + i)),
          bob.token());
    }
    JsonNode page = TestApi.json(api.get("/conversations/" + id + "?offset=2&limit=2"));
    assertThat(page.get("offset").asInt()).isEqualTo(2);
    assertThat(page.get("messages")).hasSize(2);
    assertThat(page.at("/messages/0/text").asText()).isEqualTo("post 2");
    assertThat(page.get("commentCount").asInt()).isEqualTo(4);

    assertProblem(api.get("/conversations/" + id + "?limit=many"), 400, "query parameter 'limit' is malformed");
    assertProblem(api.get("/conversations/" + id + "?limit=500"), 422, "limit must lie in [1, 200]");
    assertProblem(api.get("/conversations/nope"), 404, "conversation nope not found");
    assertProblem(api.post("/conversations/nope/messages", TestApi.body(Map.of("messageId", "m", "text", "x")),
        bob.token()), 404, "conversation nope not found");
  }

  @Test
  void eventsAreJournaledWithoutTags() throws Exception {
    // Nothing reads the journal by tag; a tagged event costs a row-by-row insert and two event_tag
    // rows (docs/architecture.md), so an entity that tags again shows here.
    String id = start();
    try (java.sql.Connection c = org.weltgewebe.http.TestNode.node().database().connect();
        java.sql.PreparedStatement s = c.prepareStatement(
            "SELECT count(*), (SELECT count(*) FROM event_tag t JOIN event_journal e ON e.ordering = t.event_id"
                + " WHERE e.persistence_id = ?) FROM event_journal WHERE persistence_id = ?")) {
      s.setString(1, "conversation|" + id);
      s.setString(2, "conversation|" + id);
      try (java.sql.ResultSet rs = s.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).as("journal rows of the conversation").isEqualTo(1);
        assertThat(rs.getInt(2)).as("tag rows of its events").isZero();
      }
    }
  }
}

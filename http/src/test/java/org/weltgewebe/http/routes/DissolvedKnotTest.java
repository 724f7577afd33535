package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.OwnNode;
import org.weltgewebe.http.TestApi;

/**
 * A dissolved knot's routes answer 410 Gone, on a node of its own whose domain clock runs 200,000
 * times faster (a knot that no thread leads to dissolves after seven virtual days, about 3 s here).
 * Tokens keep the wall clock, so they stay valid throughout. Its conversations are deleted by the
 * retention sweeper once the knot has been dissolved for the configured time (14 virtual days here).
 */
class DissolvedKnotTest {
  private static final double COMPRESSION = 200_000;

  @RegisterExtension
  static final OwnNode own = OwnNode.with("weltgewebe.metrics.enabled = off\n"
        + "weltgewebe.clock.compression = " + COMPRESSION + "\n"
        + "weltgewebe.deadlines.sweep-every = 1s\n"
        + "weltgewebe.retention { conversations-of-dissolved-knots = 14d, sweep-every = 1s }\n");

  @Test
  void everyRouteOfADissolvedKnotAnswers410() throws Exception {
    TestApi api = own.api();
    TestApi.Role ada = api.register("Ada");
    String knotId = api.createKnot(ada, "Short-lived").at("/knot/knotId").asText();
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> api.get("/knots/" + knotId).statusCode() == 410);

    HttpResponse<String> read = api.get("/knots/" + knotId);
    assertThat(read.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(TestApi.json(read).at("/detail").asText()).contains("dissolved");
    assertThat(api.post("/knots/" + knotId + "/connections",
        TestApi.body(Map.of("connection", "AGREE")), ada.token()).statusCode()).isEqualTo(410);
    assertThat(api.post("/knots/" + knotId + "/conversations",
        TestApi.body(Map.of("title", "Late", "text", "Anyone?")), ada.token()).statusCode()).isEqualTo(410);
    assertThat(api.post("/knots/" + knotId + "/proposals",
        TestApi.body(Map.of("title", "Late", "text", "Revive it")), ada.token()).statusCode()).isEqualTo(410);
    assertThat(api.get("/knots/" + knotId).statusCode()).as("and it stays gone").isEqualTo(410);
  }

  @Test
  void aDissolvedKnotsConversationsAreDeletedAfterTheirRetention() throws Exception {
    TestApi api = own.api();
    TestApi.Role bea = api.register("Bea");
    String knotId = api.createKnot(bea, "Talked about").at("/knot/knotId").asText();
    String text = "Retentiontext " + java.util.UUID.randomUUID();
    HttpResponse<String> started = api.post("/knots/" + knotId + "/conversations",
        TestApi.body(Map.of("title", "Soon gone", "text", text)), bea.token());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    String conversationId = TestApi.json(started).at("/conversation/conversationId").asText();
    assertThat(journalRows(conversationId)).isPositive();

    // The deadline sweeper records the dissolution; 14 virtual days later the retention sweeper deletes.
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
        .until(() -> journalRows(conversationId) == 0 && !readModelHas(conversationId));
    assertThat(api.get("/knots/" + knotId).statusCode()).isEqualTo(410);
    try (java.sql.Connection c = own.node().database().connect();
        java.sql.PreparedStatement s = c.prepareStatement(
            "SELECT count(*) FROM event_journal WHERE convert_from(event_payload, 'UTF8') LIKE ?")) {
      s.setString(1, "%" + text + "%");
      try (java.sql.ResultSet rs = s.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).as("the message text is nowhere in the journal").isZero();
      }
    }
    try (java.sql.Connection c = own.node().database().connect();
        java.sql.PreparedStatement s = c.prepareStatement(
            "SELECT actor, action FROM audit_log WHERE subject = ?")) {
      s.setString(1, "conversation:" + conversationId);
      try (java.sql.ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).as("the deletion is audited").isTrue();
        assertThat(rs.getString(1) + " " + rs.getString(2)).isEqualTo("system:retention retention.delete");
      }
    }
  }

  private static int journalRows(String conversationId) throws Exception {
    try (java.sql.Connection c = own.node().database().connect();
        java.sql.PreparedStatement s = c.prepareStatement("SELECT count(*) FROM event_journal WHERE persistence_id = ?")) {
      s.setString(1, "conversation|" + conversationId);
      try (java.sql.ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static boolean readModelHas(String conversationId) throws Exception {
    try (java.sql.Connection c = own.node().database().connect();
        java.sql.PreparedStatement s = c.prepareStatement("SELECT 1 FROM rm_conversation WHERE conversation_id = ?")) {
      s.setString(1, conversationId);
      try (java.sql.ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }
}

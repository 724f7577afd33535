package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.http.TestNode;

/**
 * Leaving over real HTTP, on a node with the outbox and read models: the role answers 410 from then
 * on, its yarns are untwisted (so its threads fade), and the role view and search drop it.
 */
class LeavingTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();

  @Test
  void aLeavingRoleIsGoneItsYarnFadesAndOnlyItMayLeave() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    String threadId = api.createKnot(ada, "Tauschregal").get("designThreadId").asText();
    assertThat(api.put("/threads/" + threadId + "/yarn", null, ada.token()).statusCode()).isEqualTo(200);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> yarnInReadModel(threadId));

    assertProblem(api.delete("/roles/" + ada.id(), bob.token()), 403, "only role " + ada.id());
    assertProblem(api.delete("/roles/" + ada.id(), null), 401, "access token");

    HttpResponse<String> left = api.delete("/roles/" + ada.id(), ada.token());
    assertThat(left.statusCode()).as(left.body()).isEqualTo(204);
    assertThat(left.body()).isEmpty();

    assertThat(TestApi.json(api.get("/threads/" + threadId)).get("yarn").asBoolean())
        .as("the leaving role's yarn was untwisted and fades again")
        .isFalse();
    assertProblem(api.get("/roles/" + ada.id()), 410, "has left the weave");
    // A completed departure revokes every token of the role, on every node (issue 16): a departure
    // that did not complete (a hook failed) revoked nothing, so the client can repeat it.
    assertProblem(api.post("/roles/" + ada.id() + "/session", null, ada.token()), 401, "revoked");
    assertProblem(api.delete("/roles/" + ada.id(), ada.token()), 401, "revoked");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> leftInReadModel(ada.id()));
  }

  private static boolean yarnInReadModel(String threadId) throws Exception {
    try (Connection c = TestNode.node().database().connect();
        PreparedStatement s = c.prepareStatement("SELECT yarn FROM rm_thread WHERE thread_id = ?")) {
      s.setString(1, threadId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  private static boolean leftInReadModel(String roleId) throws Exception {
    try (Connection c = TestNode.node().database().connect();
        PreparedStatement s = c.prepareStatement("SELECT left_at IS NOT NULL AND NOT spinning FROM rm_role WHERE role_id = ?")) {
      s.setString(1, roleId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}

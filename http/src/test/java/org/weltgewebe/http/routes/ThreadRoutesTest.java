package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;

/** Threads over real HTTP: read, twist and untwist one's own, and not another role's. */
class ThreadRoutesTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();

  @Test
  void aRoleTwistsItsOwnThreadIntoYarnAndUntwistsIt() throws Exception {
    TestApi.Role ada = api.register("Ada");
    String threadId = api.createKnot(ada, "Garden").get("designThreadId").asText();

    HttpResponse<String> twisted = api.put("/threads/" + threadId + "/yarn", null, ada.token());
    assertThat(twisted.statusCode()).as(twisted.body()).isEqualTo(200);
    assertThat(TestApi.json(twisted).get("yarn").asBoolean()).isTrue();
    assertThat(TestApi.json(twisted).get("fadeLevel").asDouble()).isZero();
    assertThat(api.put("/threads/" + threadId + "/yarn", null, ada.token()).statusCode()).isEqualTo(200);
    assertThat(TestApi.json(api.get("/threads/" + threadId)).get("yarn").asBoolean()).isTrue();

    HttpResponse<String> untwisted = api.delete("/threads/" + threadId + "/yarn", ada.token());
    assertThat(untwisted.statusCode()).isEqualTo(200);
    assertThat(TestApi.json(untwisted).get("yarn").asBoolean()).isFalse();
    assertThat(api.delete("/threads/" + threadId + "/yarn", ada.token()).statusCode()).isEqualTo(200);
  }

  @Test
  void anotherRolesThreadIsForbiddenAndAnUnknownOneIs404() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    String threadId = api.createKnot(ada, "Garden").get("designThreadId").asText();

    assertProblem(api.put("/threads/" + threadId + "/yarn", null, bob.token()), 403, "belongs to another role");
    assertProblem(api.delete("/threads/" + threadId + "/yarn", bob.token()), 403, "belongs to another role");
    assertProblem(api.put("/threads/" + threadId + "/yarn", null, null), 401, "access token");
    assertProblem(api.put("/threads/nope/yarn", null, ada.token()), 404, "thread nope has not been spun");
    assertProblem(api.get("/threads/nope"), 404, "thread nope has not been spun");
  }
}

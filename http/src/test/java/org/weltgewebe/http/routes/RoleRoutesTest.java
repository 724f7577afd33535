package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;

/** Roles over real HTTP: registration, sessions, profiles, and that a role acts only as itself. */
public class RoleRoutesTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();

  @Test
  void registrationAnswersTheBlurredProfileAndATokenForTheNewRole() throws Exception {
    HttpResponse<String> response =
        api.post("/roles", TestApi.body(Map.of("displayName", "Ada", "homeAddress", "Wiener Str. 5",
            "home", Map.of("lat", 52.4986, "lon", 13.4033))), null);

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode session = TestApi.json(response);
    String roleId = session.at("/profile/roleId").asText();
    assertThat(response.headers().firstValue("Location")).hasValue("/roles/" + roleId);
    assertThat(session.at("/profile/displayName").asText()).isEqualTo("Ada");
    assertThat(session.at("/profile/publicLocation/lat").asDouble()).isNotEqualTo(52.4986);
    assertThat(session.toString()).doesNotContain("Wiener");
    assertThat(session.at("/token/tokenType").asText()).isEqualTo("Bearer");
    assertThat(session.at("/token/accessToken").asText()).hasSizeGreaterThan(50);
  }

  @Test
  void registrationRefusesWhatTheDomainRefusesWith422() throws Exception {
    HttpResponse<String> response =
        api.post("/roles", TestApi.body(Map.of("displayName", " ", "homeAddress", "x",
            "home", Map.of("lat", 52.5, "lon", 13.4))), null);
    assertProblem(response, 422, "display name must have 1 to 80 characters");

    HttpResponse<String> noLon =
        api.post("/roles", "{\"displayName\":\"A\",\"homeAddress\":\"x\",\"home\":{\"lat\":52.5}}", null);
    assertProblem(noLon, 422, "home needs both lat and lon");
  }

  @Test
  void aPublicProfileIsReadableByAnyoneAndAnUnknownRoleIs404() throws Exception {
    TestApi.Role ada = api.register("Ada");
    HttpResponse<String> profile = api.get("/roles/" + ada.id());
    assertThat(profile.statusCode()).isEqualTo(200);
    assertThat(TestApi.json(profile).get("displayName").asText()).isEqualTo("Ada");
    assertThat(profile.body()).doesNotContain("homeAddress");

    assertProblem(api.get("/roles/no-such-role"), 404, "role no-such-role is not registered");
  }

  @Test
  void personalDataIsOnlyForTheRoleItself() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");

    HttpResponse<String> own = api.get("/roles/" + ada.id() + "/personal", ada.token());
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(TestApi.json(own).get("homeAddress").asText()).isEqualTo("Oranienstraße 1, Berlin");

    HttpResponse<String> other = api.get("/roles/" + ada.id() + "/personal", bob.token());
    assertProblem(other, 403, "only role " + ada.id());
    assertThat(other.body()).doesNotContain("Oranienstraße");

    HttpResponse<String> anonymous = api.get("/roles/" + ada.id() + "/personal");
    assertProblem(anonymous, 401, "needs an access token");
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"weltgewebe\"");
  }

  @Test
  void aRoleChangesOnlyItsOwnProfile() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    String change = TestApi.body(Map.of("goods", List.of("ladder"), "skills", List.of("plumbing")));

    HttpResponse<String> own = api.put("/roles/" + ada.id() + "/profile", change, ada.token());
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(TestApi.json(own).get("goods").get(0).asText()).isEqualTo("ladder");

    assertProblem(api.put("/roles/" + ada.id() + "/profile", change, bob.token()), 403, "only role");
    assertProblem(api.put("/roles/" + ada.id() + "/profile", change, null), 401, "access token");

    String tooMany = TestApi.body(Map.of("goods", Collections.nCopies(21, "x"), "skills", List.of()));
    assertProblem(api.put("/roles/" + ada.id() + "/profile", tooMany, ada.token()), 422, "at most 20 entries");
  }

  @Test
  void logInMarksTheRoleSpinningAndRefreshesItsTokenLogOutStopsIt() throws Exception {
    TestApi.Role ada = api.register("Ada");

    HttpResponse<String> login = api.post("/roles/" + ada.id() + "/session", null, ada.token());
    assertThat(login.statusCode()).isEqualTo(200);
    JsonNode session = TestApi.json(login);
    assertThat(session.at("/profile/spinning").asBoolean()).isTrue();
    String refreshed = session.at("/token/accessToken").asText();
    assertThat(refreshed).isNotEqualTo(ada.token());
    assertThat(TestApi.json(api.get("/roles/" + ada.id())).get("spinning").asBoolean()).isTrue();

    HttpResponse<String> logout = api.delete("/roles/" + ada.id() + "/session", refreshed);
    assertThat(logout.statusCode()).isEqualTo(200);
    assertThat(TestApi.json(logout).get("spinning").asBoolean()).isFalse();
  }

  @Test
  void sessionsNeedTheRolesOwnToken() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    assertProblem(api.post("/roles/" + ada.id() + "/session", null, null), 401, "access token");
    assertProblem(api.post("/roles/" + ada.id() + "/session", null, bob.token()), 403, "only role");
    assertProblem(api.delete("/roles/" + ada.id() + "/session", bob.token()), 403, "only role");
  }

  /** Asserts an RFC 9457 problem with {@code status} whose detail contains {@code detail}. */
  public static void assertProblem(HttpResponse<String> response, int status, String detail) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode problem = TestApi.json(response);
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("type").asText()).startsWith("/problems/");
    assertThat(problem.get("title").asText()).isNotBlank();
    assertThat(problem.get("instance").asText()).startsWith("/");
    assertThat(problem.get("detail").asText()).contains(detail);
  }
}

package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What every route shares: malformed bodies, unknown fields and wrong types are 400, oversized
 * bodies 413, other media types 415, unknown paths 404 and wrong methods 405 — all as problems —
 * and the security headers are on every response.
 */
public class RequestRefusalTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();
  static TestApi.Role ada;

  @BeforeAll
  static void registerAda() throws Exception {
    ada = api.register("Ada");
  }

  @Test
  void anUnknownFieldIs400AndNamesTheField() throws Exception {
    HttpResponse<String> response =
        api.post("/roles", "{\"displayName\":\"A\",\"homeAddress\":\"x\",\"home\":{\"lat\":1,\"lon\":2},\"admin\":true}", null);
    assertProblem(response, 400, "unknown field 'admin'");
    assertThat(response.body()).contains("displayName").doesNotContain("org.weltgewebe");

    assertProblem(api.post("/roles", "{\"displayName\":\"A\",\"homeAddress\":\"x\",\"home\":{\"lat\":1,\"lon\":2,\"alt\":3}}", null),
        400, "unknown field 'home.alt'");
  }

  @Test
  void aWrongTypeIs400AndNamesTheFieldAndTheExpectedType() throws Exception {
    assertProblem(api.post("/roles", "{\"displayName\":\"A\",\"homeAddress\":\"x\",\"home\":{\"lat\":\"52.5\",\"lon\":2}}", null),
        400, "field 'home.lat' must be a number");
    assertProblem(api.post("/roles", "{\"displayName\":42,\"homeAddress\":\"x\",\"home\":{\"lat\":1,\"lon\":2}}", null),
        400, "field 'displayName' must be a string");
    assertProblem(api.put("/roles/" + ada.id() + "/profile", "{\"goods\":\"ladder\",\"skills\":[]}", ada.token()),
        400, "field 'goods' must be an array");
    assertProblem(api.post("/roles", "[1,2]", null), 400, "must be a JSON object");
  }

  @Test
  void malformedJsonIs400WithItsPosition() throws Exception {
    assertProblem(api.post("/roles", "{\"displayName\": \"A\",", null), 400, "malformed JSON at line 1");
    assertProblem(api.post("/roles", "{\"displayName\":\"A\"} trailing", null), 400,
        "malformed JSON at line 1, column 29: Unrecognized token 'trailing'");
    assertProblem(api.post("/roles", "{\"displayName\":\"A\"} {}", null), 400,
        "trailing content after the JSON object at line 1, column 21");
    assertProblem(api.post("/roles", "{\"displayName\":\"A\",\"displayName\":\"B\"}", null), 400, "displayName");
    assertProblem(api.post("/roles", "", null), 400, "a JSON request body is required");
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    String huge = "{\"displayName\":\"" + "x".repeat(70 * 1024) + "\"}";
    assertProblem(api.post("/roles", huge, null), 413, "at most 65536 bytes");
  }

  @Test
  void aChunkedBodyIsReadAsAStreamAndHeldToTheLimitWhileReading() throws Exception {
    // no Content-Length: the JDK client sends an input stream chunked, so the node reads it as a
    // stream (a body that comes with its length in one piece is parsed without one)
    String body = "{\"displayName\":\"Chunked\",\"homeAddress\":\"Oranienstr. 2, Berlin\",\"home\":{\"lat\":52.5,\"lon\":13.4}}";
    HttpResponse<String> created = api.send(chunked("/roles", body));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.body()).contains("\"displayName\":\"Chunked\"");

    String huge = "{\"displayName\":\"" + "x".repeat(70 * 1024) + "\"}";
    assertProblem(api.send(chunked("/roles", huge)), 413, "at most 65536 bytes");
    assertProblem(api.send(chunked("/roles", "{\"displayName\": \"A\",")), 400, "malformed JSON at line 1");
  }

  private static HttpRequest chunked(String path, String body) {
    byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return api.request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))).build();
  }

  @Test
  void aBodyThatIsNotJsonIs415() throws Exception {
    HttpResponse<String> response =
        api.send(api.request("/roles").header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hi")).build());
    assertProblem(response, 415, "must be application/json");
  }

  @Test
  void anUnknownPathIs404AndAWrongMethod405WithAllow() throws Exception {
    HttpResponse<String> missing = api.get("/nothing/here");
    assertProblem(missing, 404, "no operation at GET /nothing/here");
    assertSecurityHeaders(missing);

    HttpResponse<String> wrongMethod = api.send(api.request("/knots/k1").DELETE().build());
    assertProblem(wrongMethod, 405, "allowed: GET");
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void securityHeadersAreOnSuccessfulAnswersToo() throws Exception {
    HttpResponse<String> ok = api.get("/health/live");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertSecurityHeaders(ok);
    assertSecurityHeaders(api.get("/roles/" + ada.id()));
  }

  public static void assertSecurityHeaders(HttpResponse<?> response) {
    assertThat(response.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("default-src 'none'"));
    assertThat(response.headers().firstValue("Cross-Origin-Opener-Policy")).hasValue("same-origin");
    assertThat(response.headers().firstValue("Cross-Origin-Embedder-Policy")).hasValue("require-corp");
    assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
  }
}

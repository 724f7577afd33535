package org.weltgewebe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.weltgewebe.http.auth.AccessTokens;
import org.weltgewebe.http.auth.KeyRing;
import org.weltgewebe.http.shedding.Endpoint;
import org.weltgewebe.http.shedding.LoadShedder;

/**
 * A real HTTP client for one bound API, with the few calls the tests make. Every exchange it makes
 * is held to openapi.json ({@link OpenApiContract}). A test class that needs one API for all its
 * tests registers it on the shared {@link TestNode}, bound before its first test and unbound after
 * its last: {@code @RegisterExtension static final TestApi api = TestApi.onSharedNode();}.
 */
public final class TestApi implements BeforeAllCallback, AfterAllCallback {
  public static final ObjectMapper JSON = new ObjectMapper();
  public static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  /** A point in Berlin-Kreuzberg, where the tests' roles live and their knots are tied. */
  public static final double KREUZBERG_LAT = 52.4986;
  public static final double KREUZBERG_LON = 13.4033;

  /** What the API is bound with when a test class registers it; null for an API bound at once. */
  private final ClassBinding classBinding;
  HttpApi.Bound bound;

  private record ClassBinding(String overrides, Clock clock) {}

  TestApi(HttpApi.Bound bound) {
    this.classBinding = null;
    this.bound = bound;
  }

  private TestApi(ClassBinding classBinding) {
    this.classBinding = classBinding;
  }

  /** An API for one test class on the shared {@link TestNode}, with the node's settings. */
  public static TestApi onSharedNode() {
    return onSharedNode("", Clock.systemUTC());
  }

  /** As {@link #onSharedNode()}, with {@code overrides} (HOCON) over the node's settings. */
  public static TestApi onSharedNode(String overrides) {
    return onSharedNode(overrides, Clock.systemUTC());
  }

  /** As {@link #onSharedNode(String)}, with the API's {@code clock}. */
  public static TestApi onSharedNode(String overrides, Clock clock) {
    return new TestApi(new ClassBinding(overrides, clock));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    if (classBinding == null) {
      throw new IllegalStateException("an API bound at once is not registered on a test class: use TestApi.onSharedNode()");
    }
    TestNode.startShared(context);
    bound = TestNode.bindBound(classBinding.overrides(), classBinding.clock());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (bound != null) {
      close();
    }
  }

  /** Where the API answers: {@code http://127.0.0.1:port}. */
  public String base() {
    return "http://127.0.0.1:" + port();
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(15));
  }

  public HttpResponse<String> send(HttpRequest request) throws Exception {
    HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    OpenApiContract.check(request, response.statusCode(), response.headers(), response.body().getBytes(StandardCharsets.UTF_8));
    return response;
  }

  /** As {@link #send}, for a body that is not text (tiles). */
  public HttpResponse<byte[]> sendForBytes(HttpRequest request) throws Exception {
    HttpResponse<byte[]> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
    OpenApiContract.check(request, response.statusCode(), response.headers(), response.body());
    return response;
  }

  public HttpResponse<String> get(String path) throws Exception {
    return send(request(path).GET().build());
  }

  public HttpResponse<String> get(String path, String token) throws Exception {
    return send(authorized(request(path), token).GET().build());
  }

  public HttpResponse<String> post(String path, String json, String token) throws Exception {
    return send(withBody(authorized(request(path), token), "POST", json));
  }

  public HttpResponse<String> put(String path, String json, String token) throws Exception {
    return send(withBody(authorized(request(path), token), "PUT", json));
  }

  public HttpResponse<String> delete(String path, String token) throws Exception {
    return send(authorized(request(path), token).DELETE().build());
  }

  public static HttpRequest withBody(HttpRequest.Builder builder, String method, String json) {
    return builder
        .header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  public static HttpRequest.Builder authorized(HttpRequest.Builder builder, String token) {
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  public static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  public static String body(Map<String, Object> fields) throws Exception {
    return JSON.writeValueAsString(fields);
  }

  /** A registered role: its id and token. */
  public record Role(String id, String token) {}

  public Role register(String name) throws Exception {
    HttpResponse<String> response =
        post(
            "/roles",
            body(Map.of("displayName", name, "homeAddress", "Oranienstraße 1, Berlin",
                "home", Map.of("lat", KREUZBERG_LAT, "lon", KREUZBERG_LON))),
            null);
    if (response.statusCode() != 201) {
      throw new AssertionError("registration failed: " + response.statusCode() + " " + response.body());
    }
    JsonNode session = json(response);
    return new Role(session.at("/profile/roleId").asText(), session.at("/token/accessToken").asText());
  }

  /** Ties an IDEA knot near Kreuzberg for {@code role}; answers the created document. */
  public JsonNode createKnot(Role role, String title) throws Exception {
    HttpResponse<String> response =
        post(
            "/knots",
            body(Map.of("type", "IDEA", "title", title,
                "location", Map.of("lat", KREUZBERG_LAT + 0.001, "lon", KREUZBERG_LON + 0.001))),
            role.token());
    if (response.statusCode() != 201) {
      throw new AssertionError("knot creation failed: " + response.statusCode() + " " + response.body());
    }
    return json(response);
  }

  /** The port the API listens on. */
  public int port() {
    return bound.binding().localAddress().getPort();
  }

  /** The key ring the API signs and verifies tokens with. */
  public KeyRing keys() {
    return bound.keys();
  }

  /** The API's access tokens: issue, verify, revoke. */
  public AccessTokens tokens() {
    return bound.tokens();
  }

  /** Every operation the API answers (the route table). */
  public List<Endpoint> table() {
    return bound.routes().table();
  }

  /** The API's load shedder. */
  public LoadShedder shedder() {
    return bound.routes().shedder();
  }

  public void close() {
    bound.binding().unbind().toCompletableFuture().join();
  }
}

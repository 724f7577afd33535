package org.weltgewebe.scenarios.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/caddy/Caddyfile on a real Caddy, in front of a stand-in node and frontend that answer the
 * way the platform does (and, for the tile, without cache headers, so that what arrives is Caddy's
 * doing): compression, cache headers on success only, SSE passed through unbuffered, active health
 * checks, HTTP/3 offered, and no credential in the access log. The real platform behind Caddy is
 * ProxiedScenarioRunTest's.
 */
class CaddyfileTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
  private static final String JSON_BODY = "[" + "{\"knotId\":\"k\",\"title\":\"Fahrradwerkstatt im Hof\"},".repeat(100) + "{}]";

  @TempDir static Path dir;
  static HttpServer node;
  static HttpServer frontend;
  static CaddyProcess caddy;
  static final AtomicBoolean ready = new AtomicBoolean(true);
  static final CountDownLatch secondEvent = new CountDownLatch(1);

  @BeforeAll
  static void start() throws IOException {
    node = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    node.setExecutor(Executors.newCachedThreadPool());
    node.createContext("/health/ready", x -> answer(x, ready.get() ? 200 : 503, "application/json", "{}", Map.of()));
    node.createContext("/health/live", x -> answer(x, 200, "application/json", "{}", Map.of()));
    node.createContext("/knots", x -> answer(x, 200, "application/json", JSON_BODY, Map.of()));
    node.createContext("/tiles/", x -> {
      if (x.getRequestURI().getPath().equals("/tiles/9/9/9")) {
        answer(x, 503, "application/problem+json", "{\"status\":503}", Map.of("Retry-After", "1"));
      } else {
        answer(x, 200, "application/vnd.mapbox-vector-tile", "\u001a\u0002tile".repeat(300), Map.of());
      }
    });
    node.createContext("/conversations/", x -> answer(x, 200, "application/json", "{}", Map.of()));
    node.createContext("/regions/", CaddyfileTest::feed);
    node.start();
    frontend = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    frontend.createContext("/", x -> answer(x, 200, "text/html; charset=utf-8", "<html>" + "<p>Weltgewebe</p>".repeat(100) + "</html>", Map.of()));
    frontend.createContext("/me", x -> answer(x, 200, "text/html", "<html>me</html>", Map.of("Cache-Control", "private, no-store")));
    frontend.start();
    caddy = CaddyProcess.start(List.of(URI.create("http://127.0.0.1:" + node.getAddress().getPort())),
        Optional.of(URI.create("http://127.0.0.1:" + frontend.getAddress().getPort())), dir);
  }

  @AfterAll
  static void stop() {
    secondEvent.countDown();
    if (caddy != null) {
      caddy.close();
    }
    node.stop(0);
    frontend.stop(0);
  }

  private static void answer(HttpExchange x, int status, String type, String body, Map<String, String> headers) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", type);
    headers.forEach((k, v) -> x.getResponseHeaders().set(k, v));
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** An SSE stream: one event at once, the second only when the test allows it. */
  private static void feed(HttpExchange x) throws IOException {
    x.getResponseHeaders().set("Content-Type", "text/event-stream");
    x.getResponseHeaders().set("Cache-Control", "no-cache");
    x.sendResponseHeaders(200, 0);
    try (OutputStream out = x.getResponseBody()) {
      out.write("id: 1\ndata: {\"n\":1}\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      secondEvent.await(30, TimeUnit.SECONDS);
      out.write("id: 2\ndata: {\"n\":2}\n\n".getBytes(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(caddy.url().resolve(path)).timeout(Duration.ofSeconds(10));
    if (acceptEncoding != null) {
      b.header("Accept-Encoding", acceptEncoding);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * Every path of the OpenAPI document is proxied to the nodes: a resource missing from the
   * {@code @api} matcher falls through to the frontend (the proposals' routes did: every proposal
   * read and objection through Caddy was a 502).
   */
  @Test
  void everyPathOfTheApiDocumentGoesToTheNodes() throws IOException {
    Path repository = Path.of("").toAbsolutePath();
    while (!Files.exists(repository.resolve("deploy/caddy/Caddyfile"))) {
      repository = repository.getParent();
    }
    String apiLine = Files.readAllLines(repository.resolve("deploy/caddy/Caddyfile")).stream()
        .map(String::strip).filter(l -> l.startsWith("@api path ")).findFirst().orElseThrow();
    List<String> matchers = List.of(apiLine.substring("@api path ".length()).split("\\s+"));
    com.fasterxml.jackson.databind.JsonNode paths = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(repository.resolve("http/src/main/resources/org/weltgewebe/http/openapi.json").toFile()).get("paths");
    List<String> unmatched = new java.util.ArrayList<>();
    paths.fieldNames().forEachRemaining(path -> {
      boolean matched = matchers.stream().anyMatch(m -> m.endsWith("/*") ? path.startsWith(m.substring(0, m.length() - 1)) : path.equals(m));
      if (!matched) {
        unmatched.add(path);
      }
    });
    assertThat(paths.size()).isGreaterThan(20);
    assertThat(unmatched).as("API paths the Caddyfile's @api matcher does not send to the nodes").isEmpty();
  }

  @Test
  void jsonAndTilesAreCompressedWithZstdOrGzip() throws Exception {
    HttpResponse<byte[]> zstd = get("/knots", "zstd, gzip");
    assertThat(zstd.statusCode()).isEqualTo(200);
    assertThat(zstd.headers().firstValue("Content-Encoding")).hasValue("zstd");
    assertThat(zstd.body().length).isLessThan(JSON_BODY.length() / 4);
    assertThat(zstd.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).containsIgnoringCase("Accept-Encoding"));
    assertThat(get("/knots", "gzip").headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(get("/knots", null).headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(get("/tiles/14/1/2", "gzip").headers().firstValue("Content-Encoding")).hasValue("gzip");
  }

  @Test
  void tilesAreImmutableOnSuccessOnly() throws Exception {
    HttpResponse<byte[]> tile = get("/tiles/14/1/2", null);
    assertThat(tile.statusCode()).isEqualTo(200);
    assertThat(tile.headers().allValues("Cache-Control")).containsExactly("public, max-age=31536000, immutable");
    HttpResponse<byte[]> shed = get("/tiles/9/9/9", null);
    assertThat(shed.statusCode()).isEqualTo(503);
    assertThat(shed.headers().allValues("Cache-Control")).isEmpty();
    assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
  }

  @Test
  void htmlMayBeCachedByASharedCacheForTenMinutesUnlessTheFrontendSaysOtherwise() throws Exception {
    HttpResponse<byte[]> page = get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().allValues("Cache-Control")).containsExactly("public, s-maxage=600");
    HttpResponse<byte[]> mine = get("/me", null);
    assertThat(mine.headers().allValues("Cache-Control")).containsExactly("private, no-store");
  }

  @Test
  void serverSentEventsPassAtOnceAndUncompressed() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(caddy.url().resolve("/regions/r/feed"))
        .header("Accept", "text/event-stream").header("Accept-Encoding", "zstd, gzip").build();
    HttpResponse<InputStream> stream = CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
    assertThat(stream.headers().firstValue("Content-Encoding")).isEmpty();
    InputStream in = stream.body();
    StringBuilder seen = new StringBuilder();
    byte[] buffer = new byte[256];
    // the node holds the stream open after its first event: it must arrive now, not when the stream ends
    while (!seen.toString().contains("data: {\"n\":1}\n\n")) {
      int n = in.read(buffer);
      assertThat(n).as("the stream stays open").isPositive();
      seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
    }
    assertThat(seen.toString()).doesNotContain("\"n\":2");
    secondEvent.countDown();
    in.close();
  }

  @Test
  void http3IsOfferedOnTheHttpsListener() {
    CaddyProcess.Http3 h3 = caddy.http3();
    assertThat(h3.udpListening()).isTrue();
    assertThat(h3.altSvc()).contains("h3=\":" + caddy.httpsUrl().getPort() + "\"");
    assertThat(h3.offered()).isTrue();
  }

  @Test
  void aNodeThatIsNotReadyGetsNoTraffic() throws Exception {
    try {
      ready.set(false);
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
          .until(() -> get("/knots", null).statusCode() == 503);
    } finally {
      ready.set(true);
    }
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
        .until(() -> get("/knots", null).statusCode() == 200);
  }

  @Test
  void theAccessLogKeepsNoChatToken() throws Exception {
    assertThat(get("/conversations/c1/chat?access_token=very-secret-token&x=1", null).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(caddy.accessLog()).contains("/conversations/c1/chat"));
    assertThat(Files.readString(caddy.accessLog())).doesNotContain("very-secret-token").contains("x=1");
  }
}

package org.weltgewebe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.RegionCells;

/**
 * The two long-lived transports through a proxy, as a client sees them: an SSE region feed that is
 * cut and resumed with {@code Last-Event-ID} (the missed event must come, and nothing before it),
 * and a chat over WebSocket (a frame answered with its ack and the live Posted frame). Talks to the
 * platform only through its public HTTP API at {@code base}.
 */
final class LiveThroughProxy {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final GeoPoint PLACE = new GeoPoint(52.5200, 13.4050);
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final String base;

  LiveThroughProxy(URI base) {
    this.base = base.toString().replaceAll("/$", "");
  }

  /** What the SSE check saw: the id it resumed after, and the events that came after the resume. */
  record Resumed(long lastSeenId, String resumedKnot, List<Long> ids, List<String> data) {}

  /** What the chat check saw. */
  record Chat(String token, JsonNode ack, JsonNode posted) {}

  Resumed sseResume() throws Exception {
    String token = register("Feed Watcher");
    String cell = RegionCells.regionOf(PLACE);
    Feed first = new Feed(base + "/regions/" + cell + "/feed", null);
    first.awaitOpen();
    // the feed follows from "now": knots are created until the first of their events arrives
    String[] event = null;
    for (int i = 0; i < 20 && event == null; i++) {
      createKnot(token, "vorher-" + i);
      event = first.events.poll(1, TimeUnit.SECONDS);
    }
    if (event == null) {
      throw new AssertionError("no SSE event came through the proxy within 20 knots");
    }
    long lastSeen = Long.parseLong(event[0]);
    first.cut();
    String missed = createKnot(token, "verpasst");
    Feed resumed = new Feed(base + "/regions/" + cell + "/feed", String.valueOf(lastSeen));
    List<Long> ids = new ArrayList<>();
    List<String> data = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && data.stream().noneMatch(d -> d.contains(missed))) {
      String[] e = resumed.events.poll(1, TimeUnit.SECONDS);
      if (e != null) {
        ids.add(Long.parseLong(e[0]));
        data.add(e[1]);
      }
    }
    resumed.cut();
    return new Resumed(lastSeen, missed, ids, data);
  }

  Chat chat() throws Exception {
    String token = register("Chat Gast");
    String knot = createKnot(token, "Plauderecke");
    HttpResponse<String> started = post("/knots/" + knot + "/conversations", Map.of("title", "Hallo", "text", "Erste Nachricht"), token);
    if (started.statusCode() != 201) {
      throw new AssertionError("conversation not started: " + started.statusCode() + " " + started.body());
    }
    String conversation = JSON.readTree(started.body()).at("/conversation/conversationId").asText();
    BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    StringBuilder partial = new StringBuilder();
    WebSocket socket = CLIENT.newWebSocketBuilder()
        .buildAsync(URI.create(base.replaceFirst("^http", "ws") + "/conversations/" + conversation + "/chat?access_token=" + token),
            new WebSocket.Listener() {
              @Override
              public CompletionStage<?> onText(WebSocket ws, CharSequence text, boolean last) {
                partial.append(text);
                if (last) {
                  try {
                    frames.add(JSON.readTree(partial.toString()));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  partial.setLength(0);
                }
                ws.request(1);
                return null;
              }
            })
        .get(10, TimeUnit.SECONDS);
    socket.sendText("{\"messageId\":\"through-caddy-1\",\"text\":\"Grüße durch den Proxy\"}", true).get(5, TimeUnit.SECONDS);
    JsonNode ack = next(frames, "ack");
    JsonNode posted = next(frames, "Posted");
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    return new Chat(token, ack, posted);
  }

  private static JsonNode next(BlockingQueue<JsonNode> frames, String type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      JsonNode frame = frames.poll(1, TimeUnit.SECONDS);
      if (frame != null && frame.at("/type").asText().equals(type)) {
        return frame;
      }
    }
    throw new AssertionError("no " + type + " frame through the proxy within 15 s");
  }

  private String register(String name) throws Exception {
    HttpResponse<String> r = post("/roles", Map.of("displayName", name, "homeAddress", "Alexanderplatz 1, Berlin",
        "home", Map.of("lat", PLACE.lat(), "lon", PLACE.lon())), null);
    if (r.statusCode() != 201) {
      throw new AssertionError("registration through the proxy failed: " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body()).at("/token/accessToken").asText();
  }

  private String createKnot(String token, String title) throws Exception {
    HttpResponse<String> r = post("/knots", Map.of("type", "IDEA", "title", title,
        "location", Map.of("lat", PLACE.lat(), "lon", PLACE.lon())), token);
    if (r.statusCode() != 201) {
      throw new AssertionError("knot creation through the proxy failed: " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body()).at("/knot/knotId").asText();
  }

  private HttpResponse<String> post(String path, Map<String, Object> body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One SSE subscription: its events (id, data) as they arrive, and a way to cut it. */
  private static final class Feed {
    final BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
    final CompletableFuture<HttpResponse<Stream<String>>> response;
    final CompletableFuture<Void> reading;

    Feed(String url, String lastEventId) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      response = CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
      reading = response.thenAcceptAsync(r -> {
        String[] current = new String[2];
        try {
          r.body().forEach(line -> {
            if (line.startsWith("id:")) {
              current[0] = line.substring(3).trim();
            } else if (line.startsWith("data:")) {
              current[1] = line.substring(5).trim();
            } else if (line.isEmpty() && current[0] != null) {
              events.add(new String[] {current[0], current[1]});
              current[0] = null;
              current[1] = null;
            }
          });
        } catch (RuntimeException e) {
          // the stream was cut
        }
      });
    }

    void awaitOpen() throws Exception {
      HttpResponse<Stream<String>> r = response.get(10, TimeUnit.SECONDS);
      if (r.statusCode() != 200 || !r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
        throw new AssertionError("the feed did not open through the proxy: " + r.statusCode() + " " + r.headers().map());
      }
    }

    void cut() {
      response.cancel(true);
      reading.cancel(true);
      var unused = response.thenAccept(r -> r.body().close());
    }
  }
}

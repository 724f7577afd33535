package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.http.TestNode;

/** SSE feeds over real HTTP, fed through the real outbox: resume after a forced disconnect with no gap. */
class LiveFeedRoutesTest {
  static final GeoPoint PLACE = new GeoPoint(53.55, 9.99);
  static final HttpClient client = HttpClient.newHttpClient();
  @RegisterExtension static final TestApi api = TestApi.onSharedNode("weltgewebe.http.sse-keep-alive = 1s");
  static String base;
  static WeaveNode node;

  @BeforeAll
  static void nameTheNode() throws Exception {
    base = api.base();
    node = TestNode.node();
  }

  /** One SSE subscription: its event ids and data lines, and a way to cut it. */
  static final class Subscription {
    final BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
    final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
    final CompletableFuture<HttpResponse<Stream<String>>> response;

    // The reader runs until the feed is cut; the test asserts on the lines it collected.
    @SuppressWarnings("FutureReturnValueIgnored")
    Subscription(String path, String lastEventId) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream");
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      response = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
      response.thenAccept(r -> CompletableFuture.runAsync(() -> {
        String[] current = new String[2];
        r.body().forEach(line -> {
          if (line.startsWith("id:")) {
            current[0] = line.substring(3).trim();
          } else if (line.startsWith("data:")) {
            current[1] = line.substring(5).trim();
          } else if (line.startsWith(":")) {
            comments.add(line);
          } else if (line.isEmpty() && current[0] != null) {
            events.add(new String[] {current[0], current[1]});
            current[0] = null;
            current[1] = null;
          }
        });
      }));
    }

    String[] next() throws InterruptedException {
      String[] event = events.poll(20, TimeUnit.SECONDS);
      assertThat(event).as("an event within 20 s").isNotNull();
      return event;
    }

    // The response is only read to be closed; the test asserts on what arrived before.
    @SuppressWarnings("FutureReturnValueIgnored")
    void cut() {
      response.cancel(true);
      response.thenAccept(r -> r.body().close());
    }
  }

  @Test
  void aReconnectingClientGetsEveryMissedEventInOrderWithoutGapOrDuplicate() throws Exception {
    String cell = RegionCells.regionOf(PLACE);
    Subscription first = new Subscription("/regions/" + cell + "/feed", null);
    // The response starts only after the feed's ordered consumer was created on the server (its
    // "new" starts there), so whatever is written once the headers are here reaches this feed.
    assertThat(first.response.get(10, TimeUnit.SECONDS).headers().firstValue("Content-Type")).hasValue("text/event-stream");
    List<String> ids = new ArrayList<>();
    createKnots("a", 3);
    for (int i = 0; i < 3 * 3; i++) { // KnotChanged ×2 (created, design thread) + ThreadChanged per knot
      ids.add(first.next()[0]);
    }
    first.cut();
    createKnots("b", 4);

    Subscription resumed = new Subscription("/regions/" + cell + "/feed", ids.get(ids.size() - 1));
    List<String> data = new ArrayList<>();
    for (int i = 0; i < 4 * 3; i++) {
      String[] event = resumed.next();
      ids.add(event[0]);
      data.add(event[1]);
    }
    for (int i = 1; i < ids.size(); i++) {
      assertThat(Long.parseLong(ids.get(i))).as("ids increase without duplicates").isGreaterThan(Long.parseLong(ids.get(i - 1)));
    }
    assertThat(data).allSatisfy(d -> assertThat(d).contains("\"knotId\":\"b-"));
    assertThat(resumed.events.poll(2, TimeUnit.SECONDS)).as("nothing more than was written").isNull();
    assertThat(resumed.comments.poll(5, TimeUnit.SECONDS)).as("a keep-alive comment in silence").isNotNull();
    resumed.cut();
  }

  @Test
  void conversationFeedsCarryThePosts() throws Exception {
    Weave weave = node.weave();
    weave.createKnot("conv-knot", "conv-design", "r1", Knot.Type.IDEA, "Treffpunkt", "", PLACE, null, null)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    weave.startConversation("c-feed", "c-thread", "conv-knot", "r1", "Wann?", "Samstag?")
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    Subscription feed = new Subscription("/conversations/c-feed/feed", null);
    feed.response.get(10, TimeUnit.SECONDS); // the feed's consumer exists from here on
    weave.post("c-feed", "m1", "r2", "Ja, 10 Uhr").toCompletableFuture().get(10, TimeUnit.SECONDS);
    String[] event = feed.next();
    if (event[1].contains("\"type\":\"Started\"")) {
      event = feed.next(); // the start may reach the feed after the subscription began
    }
    assertThat(event[1]).contains("\"type\":\"Posted\"").contains("Ja, 10 Uhr").contains("\"messageId\":\"m1\"");
    feed.cut();
  }

  @Test
  void badFeedRequestsAreRefusedWithAProblem() throws Exception {
    HttpResponse<String> wrongCell = api.send(api.request("/regions/not-a-cell/feed").GET().build());
    assertThat(wrongCell.statusCode()).isEqualTo(400);
    assertThat(wrongCell.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    HttpResponse<String> wrongId = api.send(api.request("/regions/" + RegionCells.regionOf(PLACE) + "/feed")
        .header("Last-Event-ID", "yesterday").GET().build());
    assertThat(wrongId.statusCode()).isEqualTo(400);
    assertThat(wrongId.body()).contains("Last-Event-ID");
  }

  private static void createKnots(String prefix, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      node.weave().createKnot(prefix + "-" + i, prefix + "-d" + i, "r1", Knot.Type.TOOL, "Werkzeug", "", PLACE, null, null)
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}

package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.http.auth.KeyRing;
import org.weltgewebe.persistence.TestDatabase;

/**
 * Revocation across the cluster, on two real nodes joined in one cluster, each with its own API, token cache and JetStream watch of the revocation bucket; one key ring,
 * as a cluster's keys file gives. A logout on node A is refused on node B within one second — also
 * for a token B has verified and cached — and closes the chat WebSocket and the SSE feed the token
 * opened on B.
 */
class RevocationAcrossNodesTest {
  static final Duration WITHIN = Duration.ofSeconds(1);
  static TestDatabase db;
  static WeaveNode first;
  static WeaveNode second;
  static TestApi a;
  static TestApi b;

  @BeforeAll
  static void twoNodes() throws Exception {
    // Nodes of their own: a node leaving the shared test node's cluster would make it rebalance
    // under the other test classes.
    db = TestDatabase.create();
    first = WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0\nweltgewebe.metrics.enabled = off")));
    int port = Cluster.get(first.system()).selfMember().address().getPort().get();
    second = WeaveNode.start(ConfigFactory.parseString(
            "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0\nweltgewebe.metrics.enabled = off\n"
                + "weltgewebe.cluster.seed-nodes = \"127.0.0.1:" + port + "\"")
        .withFallback(db.outboxConfig()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (upMembers(first) < 2) {
      assertThat(System.nanoTime()).as("the second node joins within 60 s").isLessThan(deadline);
      Thread.sleep(100); // polling the membership with a deadline
    }
    KeyRing keys = KeyRing.generated(Clock.systemUTC());
    ApiSettings settings = ApiSettings.from(first.system().settings().config(), Clock.systemUTC());
    a = new TestApi(HttpApi.bind(first, settings, keys).toCompletableFuture().get(30, TimeUnit.SECONDS));
    b = new TestApi(HttpApi.bind(second, ApiSettings.from(second.system().settings().config(), Clock.systemUTC()), keys)
        .toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  private static int upMembers(WeaveNode node) {
    int up = 0;
    for (org.apache.pekko.cluster.Member member : Cluster.get(node.system()).state().getMembers()) {
      if (member.status() == MemberStatus.up()) {
        up++;
      }
    }
    return up;
  }

  @AfterAll
  static void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    if (second != null) {
      second.close();
    }
    if (first != null) {
      first.close();
    }
    db.close();
  }

  @Test
  void aLogoutOnOneNodeIsRefusedOnTheOtherWithinOneSecondAndClosesItsChat() throws Exception {
    TestApi.Role ada = a.register("Ada");
    // B verifies the token and caches it.
    assertThat(b.get("/roles/" + ada.id() + "/personal", ada.token()).statusCode()).isEqualTo(200);
    assertThat(b.get("/roles/" + ada.id() + "/personal", ada.token()).statusCode()).isEqualTo(200);
    String knotId = a.createKnot(ada, "Revocation").at("/knot/knotId").asText();
    HttpResponse<String> started = a.post("/knots/" + knotId + "/conversations",
        TestApi.body(Map.of("title", "Revocation", "text", "Hallo")), ada.token());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    String conversationId = TestApi.json(started).at("/conversation/conversationId").asText();
    JsonFrames chat = new JsonFrames();
    HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create(b.base().replace("http", "ws") + "/conversations/" + conversationId
            + "/chat?access_token=" + ada.token()), chat)
        .get(10, TimeUnit.SECONDS);

    // A live feed opened on B with the token: public, but bound to the token's life.
    BlockingQueue<String> feedLines = new LinkedBlockingQueue<>();
    CompletableFuture<Integer> feedStatus = new CompletableFuture<>();
    CompletableFuture<HttpResponse<Void>> feed = HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(URI.create(b.base() + "/conversations/" + conversationId + "/feed"))
            .header("Authorization", "Bearer " + ada.token()).GET().build(),
        info -> {
          feedStatus.complete(info.statusCode());
          return HttpResponse.BodySubscribers.fromLineSubscriber(new LineCollector(feedLines));
        });
    assertThat(feedStatus.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(b.get("/conversations/" + conversationId + "/feed?access_token=garbage").statusCode())
        .as("a feed opened with a refused token").isEqualTo(401);

    HttpResponse<String> logout = a.delete("/roles/" + ada.id() + "/session", ada.token());
    assertThat(logout.statusCode()).as(logout.body()).isEqualTo(200);
    long loggedOut = System.nanoTime();
    assertThat(a.get("/roles/" + ada.id() + "/personal", ada.token()).statusCode())
        .as("the node that revoked refuses at once").isEqualTo(401);

    int status = 0;
    long refusedAfter = 0;
    while (System.nanoTime() - loggedOut < TimeUnit.SECONDS.toNanos(5)) {
      status = b.get("/roles/" + ada.id() + "/personal", ada.token()).statusCode();
      if (status == 401) {
        refusedAfter = System.nanoTime() - loggedOut;
        break;
      }
    }
    assertThat(status).as("the other node refuses the revoked, cached token").isEqualTo(401);
    System.out.printf("revocation reached the other node after at most %.1f ms%n", refusedAfter / 1e6);
    assertThat(Duration.ofNanos(refusedAfter)).isLessThan(WITHIN);

    JsonNode closing = chat.next("closing", Duration.ofSeconds(10));
    assertThat(closing.at("/code").asInt()).isEqualTo(1008);
    assertThat(closing.at("/reason").asText()).contains("revoked");

    String line;
    do {
      line = feedLines.poll(10, TimeUnit.SECONDS);
      assertThat(line).as("the feed ends with a closing event").isNotNull();
    } while (!line.equals("event: closing"));
    assertThat(feedLines.poll(10, TimeUnit.SECONDS)).startsWith("data: ").contains("revoked");
    assertThat(feedLines.poll(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(feedLines.poll(10, TimeUnit.SECONDS)).as("and the stream is over").isEqualTo(LineCollector.END);
    assertThat(feed.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  /** Collects the lines of a streamed body; {@link #END} after its last. */
  static final class LineCollector implements java.util.concurrent.Flow.Subscriber<String> {
    static final String END = "<end of stream>";
    final BlockingQueue<String> lines;

    LineCollector(BlockingQueue<String> lines) {
      this.lines = lines;
    }

    @Override
    public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      lines.add(line);
    }

    @Override
    public void onError(Throwable error) {
      lines.add("<failed: " + error + ">");
    }

    @Override
    public void onComplete() {
      lines.add(END);
    }
  }
}

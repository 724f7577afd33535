package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.http.JsonFrames;
import org.weltgewebe.http.MutableClock;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.http.TestNode;

/**
 * Chat over a real WebSocket: posts persisted, the token bucket, the policy close and the idle close.
 * The API's wall clock stands still here, so the bucket never refills during a test and its counts
 * are exact however slowly the machine delivers the frames (the refill is ChatRateLimitTest's).
 */
class ChatRoutesTest {
  static final MutableClock WALL = new MutableClock(java.time.Instant.parse("2026-12-05T08:00:00Z"));
  @RegisterExtension static final TestApi api = TestApi.onSharedNode("weltgewebe.http.chat-idle-timeout = 3s", WALL);
  static TestApi.Role ada;
  static String conversationId;

  @BeforeAll
  static void startAConversation() throws Exception {
    ada = api.register("Ada");
    JsonNode knot = api.createKnot(ada, "Chatplatz");
    String knotId = knot.at("/knot/knotId").asText();
    var started = api.post("/knots/" + knotId + "/conversations",
        TestApi.body(Map.of("title", "Plaudern", "text", "Hallo")), ada.token());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    conversationId = TestApi.json(started).at("/conversation/conversationId").asText();
  }

  /** A chat client on the test's conversation that records every frame and the close. */
  static final class Client extends JsonFrames {
    WebSocket socket;

    static Client open(String token) throws Exception {
      Client client = new Client();
      client.socket = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create(api.base().replace("http", "ws") + "/conversations/" + conversationId + "/chat?access_token=" + token), client)
          .get(10, TimeUnit.SECONDS);
      return client;
    }

    void send(String messageId, String text) {
      socket.sendText("{\"messageId\":\"" + messageId + "\",\"text\":\"" + text + "\"}", true).join();
    }

    /** The next frame of {@code type}, skipping others (e.g. the live Posted frames). */
    JsonNode next(String type) throws InterruptedException {
      return next(type, Duration.ofSeconds(15));
    }
  }

  @Test
  // The close handshake is observed through the listener, not through this future.
  @SuppressWarnings("FutureReturnValueIgnored")
  void aChatMessageIsPersistedLikeAnyPostAndComesBackLive() throws Exception {
    Client client = Client.open(ada.token());
    client.send("chat-1", "Wer bringt Kaffee?");
    assertThat(client.next("ack").at("/messageId").asText()).isEqualTo("chat-1");
    JsonNode posted = client.next("Posted");
    while (!posted.at("/messageId").asText().equals("chat-1")) {
      posted = client.next("Posted"); // posts of the other tests on this conversation may come first
    }
    assertThat(posted.at("/text").asText()).isEqualTo("Wer bringt Kaffee?");
    Conversation.ConversationView view = (Conversation.ConversationView) TestNode.node().weave()
        .readConversation(conversationId, 0, 200).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(view.messages()).anySatisfy(m -> {
      assertThat(m.messageId()).isEqualTo("chat-1");
      assertThat(m.roleId()).isEqualTo(ada.id());
    });
    client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
  }

  @Test
  void theBucketRefusesTheExcessAndAClientThatKeepsExceedingIsClosedForPolicyViolation() throws Exception {
    Client client = Client.open(ada.token());
    for (int i = 0; i < 60; i++) {
      client.send("burst-" + i, "Nachricht " + i);
    }
    int acks = 0;
    int refused = 0;
    JsonNode closing = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (closing == null && System.nanoTime() < deadline) {
      JsonNode frame = client.poll(1, TimeUnit.SECONDS);
      if (frame == null) {
        continue;
      }
      switch (frame.at("/type").asText()) {
        case "ack" -> acks++;
        case "error" -> {
          assertThat(frame.at("/status").asInt()).isEqualTo(429);
          refused++;
        }
        case "closing" -> closing = frame;
        default -> { }
      }
    }
    // The burst of 20 passes; with the clock standing still nothing refills, so messages 21 to 39
    // are refused and the 40th, the 20th refusal within 10 s, ends the connection (it gets the
    // closing frame instead of an error). The 20 after it are not looked at.
    assertThat(acks).isEqualTo(20);
    assertThat(refused).isEqualTo(19);
    assertThat(closing).as("closing frame within 20 s").isNotNull();
    assertThat(closing.at("/code").asInt()).isEqualTo(1008);
    assertThat(closing.at("/reason").asText())
        .isEqualTo("policy violation: 20 messages within 10 s over the rate limit of 10/s");
    assertThat(client.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
  }

  @Test
  void aSilentClientIsClosedAfterTheIdleTimeout() throws Exception {
    // Timed from before the handshake, which the server's idle timer starts within.
    long opened = System.nanoTime();
    Client client = Client.open(ada.token());
    JsonNode closing = client.next("closing");
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
    assertThat(closing.at("/code").asInt()).isEqualTo(1000);
    assertThat(closing.at("/reason").asText()).isEqualTo("idle: nothing sent for 3 s");
    // Never before the idle timeout (3 s here); how late after it depends on the machine's load,
    // and next() allows 15 s.
    assertThat(millis).isGreaterThanOrEqualTo(3000);
    client.closed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aChatWithoutAValidTokenIsRefusedBeforeTheUpgrade() throws Exception {
    var noToken = api.get("/conversations/" + conversationId + "/chat");
    assertThat(noToken.statusCode()).isEqualTo(401);
    var badToken = api.get("/conversations/" + conversationId + "/chat?access_token=nonsense");
    assertThat(badToken.statusCode()).isEqualTo(401);
    assertThat(badToken.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
  }
}

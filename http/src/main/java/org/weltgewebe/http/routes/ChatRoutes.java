package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.handleWebSocketMessages;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.http.json.Problem;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;
import org.weltgewebe.persistence.readmodel.LiveFeedReader;
import org.weltgewebe.persistence.readmodel.LiveFeeds;

/**
 * Chat on a conversation over WebSocket — the one two-way flow that is not SSE:
 * {@code GET /conversations/{id}/chat}, authenticated by {@code Authorization: Bearer <token>} or,
 * for browsers that cannot set headers on a WebSocket, {@code ?access_token=<token>}.
 *
 * <p>The client sends text frames {@code {"messageId": "...", "text": "..."}} (messageId optional,
 * for retries); each is posted to the conversation like any other post and answered with
 * {@code {"type":"ack","messageId":...}} or {@code {"type":"error","status":...,"detail":...}}. The
 * conversation's posts (everyone's) arrive as {@code {"type":"Posted",...}} frames.
 *
 * <p>Every connection has a token bucket (Bucket4j) of {@value #RATE} messages a second with bursts of
 * {@value #BURST}: a message over it is refused with an error frame (status 429) and not posted; a
 * client that keeps exceeding — {@value #STRIKES} refused messages within ten seconds — is
 * disconnected with a closing frame that names close code 1008 (policy violation). A connection over which the client sent nothing
 * for the idle timeout (30 s; Pekko's {@code idleTimeout} stage on the incoming messages) is closed too. Pekko HTTP's public API cannot choose the code of the
 * WebSocket close frame itself (it sends 1000 when the server completes), so the code is given in
 * the last text frame, {@code {"type":"closing","code":1008|1000,"reason":...}}.
 *
 * <p>A connection lives no longer than its token: when a revocation reaches this node (a logout, or
 * the role left or was forgotten, on any node), every open chat re-checks its token and one that is
 * refused now closes with code 1008.
 */
public final class ChatRoutes {
  static final int RATE = 10;
  static final int BURST = 20;
  static final int STRIKES = 20;
  static final Duration STRIKE_WINDOW = Duration.ofSeconds(10);
  static final int MAX_FRAME = 8 * 1024;
  private static final Pattern CONVERSATION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** Says which role a token speaks for, or why it speaks for none. */
  @FunctionalInterface
  public interface TokenCheck {
    String roleOf(String token) throws Exception;
  }

  private final Weave weave;
  private final LiveFeedReader feeds;
  private final TokenCheck tokens;
  /** The open sessions, so that a revocation can find those whose token it ends. */
  private final java.util.Set<Session> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final ActorSystem<?> system;
  private final Duration idleTimeout;
  private final Clock clock;
  private final ObjectMapper mapper =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Responses responses;

  public ChatRoutes(
      Weave weave, LiveFeedReader feeds, TokenCheck tokens, java.util.function.Consumer<Runnable> onRevocation,
      ActorSystem<?> system, Duration idleTimeout, Clock clock, Responses responses) {
    onRevocation.accept(this::closeRevoked);
    this.weave = weave;
    this.feeds = feeds;
    this.tokens = tokens;
    this.system = system;
    this.idleTimeout = idleTimeout;
    this.clock = clock;
    this.responses = responses;
  }

  /** The chat; its upgrade passes the load shedder as a session write (the permit ends with the handshake). */
  public List<Operation> operations() {
    return List.of(Operation.get("/conversations/{id}/chat", Priority.SESSION_WRITE, p -> chat(p.get("id"))));
  }

  private Route chat(String conversationId) {
    if (!CONVERSATION_ID.matcher(conversationId).matches()) {
      return extractRequest(request -> complete(responses.badRequest(
          "a conversation id is 1 to 64 letters, digits, '-' or '_'", request.getUri().path())));
    }
    return optionalHeaderValueByName("Authorization", header -> parameterOptional("access_token", query -> {
      Optional<String> token =
          header.filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7)).map(h -> h.substring(7).trim()).or(() -> query);
      if (token.isEmpty()) {
        return unauthorized("chat needs an access token: Authorization: Bearer <token> or ?access_token=<token>");
      }
      String roleId;
      try {
        roleId = tokens.roleOf(token.get());
      } catch (Exception refused) {
        return unauthorized(String.valueOf(refused.getMessage()));
      }
      return handleWebSocketMessages(session(conversationId, roleId, token.get()));
    }));
  }

  /** Closes every open chat whose token is refused now (revoked; expired ones go with them). */
  private void closeRevoked() {
    for (Session session : open) {
      try {
        tokens.roleOf(session.token);
      } catch (Exception refused) {
        session.close(1008, "policy violation: the access token is no longer valid: " + refused.getMessage());
      }
    }
  }

  private Flow<Message, Message, NotUsed> session(String conversationId, String roleId, String token) {
    Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> outgoing =
        Source.<Message>queue(256).preMaterialize(system);
    Session session = new Session(conversationId, roleId, token, outgoing.first());
    open.add(session);
    AutoCloseable tail;
    try {
      tail = feeds.tail(LiveFeeds.conversationSubject(feeds.nats(), conversationId), 0, item -> session.send(item.json()), () -> {});
    } catch (Exception e) {
      tail = () -> {};
      session.send(frame("error").put("status", 503).put("detail", "live posts are unavailable; sending still works").toString());
    }
    AutoCloseable feed = tail;
    Materializer materializer = Materializer.matFromSystem(system);
    // The incoming side ends first when the client is silent, leaves or breaks the protocol; the
    // session then closes the outgoing side itself, so that its closing frame goes out before the
    // connection closes (a coupled flow would cancel it).
    Sink<Message, NotUsed> incoming =
        Flow.<Message>create()
            .idleTimeout(idleTimeout)
            .mapAsync(1, message -> strictText(message, materializer))
            .mapAsync(1, session::handle)
            .toMat(Sink.ignore(), Keep.right())
            .mapMaterializedValue(done -> {
              done.whenComplete((ok, failure) -> {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                if (cause instanceof TimeoutException) {
                  session.close(1000, "idle: nothing sent for " + idleTimeout.toSeconds() + " s");
                } else {
                  session.end();
                }
              });
              return NotUsed.getInstance();
            });
    kamon.metric.Gauge openGauge = HttpFigures.liveConnections("websocket");
    openGauge.increment();
    Source<Message, NotUsed> out =
        outgoing.second().watchTermination((notUsed, done) -> {
          done.whenComplete((ok, failure) -> {
            open.remove(session);
            openGauge.decrement();
            try {
              feed.close();
            } catch (Exception e) {
              system.log().debug("closing a chat feed failed: {}", e.toString());
            }
          });
          return notUsed;
        });
    return Flow.fromSinkAndSource(incoming, out);
  }

  private static CompletionStage<Optional<String>> strictText(Message message, Materializer materializer) {
    if (!message.isText()) {
      message.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), materializer);
      return CompletableFuture.completedFuture(Optional.empty());
    }
    TextMessage text = message.asTextMessage();
    return text.toStrict(3000, materializer).thenApply(strict -> Optional.of(strict.getStrictText()));
  }

  /** One connection's state: its bucket and its strikes. */
  private final class Session {
    final String conversationId;
    final String roleId;
    final String token;
    final BoundedSourceQueue<Message> out;
    final Bucket bucket = rateLimit(timeMeter(clock));
    // When the refused messages of the last STRIKE_WINDOW arrived.
    final java.util.ArrayDeque<Long> strikes = new java.util.ArrayDeque<>();
    volatile boolean closed;

    Session(String conversationId, String roleId, String token, BoundedSourceQueue<Message> out) {
      this.conversationId = conversationId;
      this.roleId = roleId;
      this.token = token;
      this.out = out;
    }

    CompletionStage<Void> handle(Optional<String> text) {
      if (closed) {
        return done();
      }
      if (!bucket.tryConsume(1)) {
        long now = timeMeter(clock).currentTimeNanos();
        strikes.addLast(now);
        while (now - strikes.peekFirst() > STRIKE_WINDOW.toNanos()) {
          strikes.removeFirst();
        }
        if (strikes.size() >= STRIKES) {
          close(1008, "policy violation: " + STRIKES + " messages within " + STRIKE_WINDOW.toSeconds()
              + " s over the rate limit of " + RATE + "/s");
        } else {
          send(frame("error").put("status", 429)
              .put("detail", "rate limit: " + RATE + " messages a second, bursts of " + BURST + "; this message was not posted")
              .toString());
        }
        return done();
      }
      if (text.isEmpty()) {
        send(frame("error").put("status", 400).put("detail", "chat frames are text: {\"messageId\":\"…\",\"text\":\"…\"}").toString());
        return done();
      }
      if (text.get().length() > MAX_FRAME) {
        send(frame("error").put("status", 413).put("detail", "a chat frame may hold at most " + MAX_FRAME + " characters").toString());
        return done();
      }
      ChatMessage message;
      try {
        message = mapper.readValue(text.get(), ChatMessage.class);
      } catch (Exception e) {
        send(frame("error").put("status", 400)
            .put("detail", "a chat frame is {\"messageId\":\"…\",\"text\":\"…\"}: " + firstLine(e.getMessage())).toString());
        return done();
      }
      String messageId = message.messageId() == null ? UUID.randomUUID().toString() : message.messageId();
      return weave.post(conversationId, messageId, roleId, message.text())
          .handle((reply, failure) -> {
            if (failure != null) {
              send(frame("error").put("status", 503).put("messageId", messageId)
                  .put("detail", "the post could not be stored in time; send it again with the same messageId").toString());
            } else if (reply instanceof Conversation.Rejected rejected) {
              send(frame("error").put("status", Responses.problemOf(rejected.refusal(), "").status())
                  .put("messageId", messageId).put("detail", rejected.refusal().reason()).toString());
            } else {
              send(frame("ack").put("messageId", messageId).toString());
            }
            return null;
          });
    }

    /** Ends the outgoing side without a closing frame: the client has gone. */
    synchronized void end() {
      if (!closed) {
        closed = true;
        out.complete();
      }
    }

    synchronized void close(int code, String reason) {
      if (closed) {
        return;
      }
      send(frame("closing").put("code", code).put("reason", reason).toString());
      closed = true;
      out.complete();
    }

    synchronized void send(String json) {
      if (!closed) {
        out.offer(TextMessage.create(json));
      }
    }
  }

  /** A connection's token bucket: {@value #RATE} messages a second, bursts of {@value #BURST}. */
  static Bucket rateLimit(TimeMeter time) {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(BURST).refillGreedy(RATE, Duration.ofSeconds(1)))
        .withCustomTimePrecision(time)
        .build();
  }

  /**
   * Bucket4j's time source on {@code clock}, the API's wall clock (as for token expiry): the rate
   * limit and the strike window run on the time a test can hold still or step.
   */
  static TimeMeter timeMeter(Clock clock) {
    return new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
      }

      @Override
      public boolean isWallClockBased() {
        return true;
      }
    };
  }

  /** What a client sends. */
  record ChatMessage(String messageId, String text) {}

  private ObjectNode frame(String type) {
    return mapper.createObjectNode().put("type", type);
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private static CompletionStage<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  private Route unauthorized(String detail) {
    return extractRequest(request -> complete(responses.problem(
        Problem.of("invalid-token", "Unauthorized", 401, detail, request.getUri().path()),
        RawHeader.create("WWW-Authenticate", "Bearer realm=\"weltgewebe\""))));
  }
}

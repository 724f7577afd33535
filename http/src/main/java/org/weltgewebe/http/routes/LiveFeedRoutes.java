package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.weltgewebe.http.json.Problem;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;
import org.weltgewebe.persistence.readmodel.LiveFeedReader;
import org.weltgewebe.persistence.readmodel.LiveFeeds;

/**
 * Server-sent events: {@code GET /regions/{cell}/feed}, {@code GET /conversations/{id}/feed} and
 * {@code GET /proposals/{id}/feed} (each step of a proposal: objected, voted, closed, paid).
 *
 * <p>Each event's {@code id:} is its sequence in the live-feed stream; a client that reconnects
 * with {@code Last-Event-ID: n} is replayed every event after {@code n} from JetStream, in order,
 * without a gap or a duplicate, and then follows live. A client without it starts with what
 * happens from now on (it reads the current picture with {@code GET /regions/{cell}} first). A
 * keep-alive comment goes out every {@code keepAlive} of silence, so proxies and the client see
 * a living connection. A subscriber too slow to take its events (more than {@value #BUFFER} behind)
 * is disconnected and resumes with its last id, rather than holding events in memory.
 *
 * <p>The feeds are public, but a client may open one with its access token ({@code Authorization:
 * Bearer} or {@code ?access_token=}, as for the chat): then the token is checked (401 when refused)
 * and the stream lives no longer than the token. When a revocation reaches this node (a logout, or
 * the role left or was forgotten, on any node) every such stream re-checks its token, and one that
 * is refused now ends with a last event {@code event: closing} whose data names the reason.
 */
public final class LiveFeedRoutes {
  static final int BUFFER = 1024;
  // An SSE comment line: EventSource clients ignore it, proxies see traffic.
  private static final ByteString KEEP_ALIVE = ByteString.fromString(": keep-alive\n\n");
  private static final Pattern CONVERSATION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final LiveFeedReader reader;
  private final ActorSystem<?> system;
  private final Duration keepAlive;
  private final Responses responses;
  private final ChatRoutes.TokenCheck tokens;
  /** The streams opened with a token, so that a revocation can end those whose token it ends. */
  private final Set<TokenStream> withToken = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Framed> lastFrame = new AtomicReference<>();

  public LiveFeedRoutes(
      LiveFeedReader reader, ActorSystem<?> system, Duration keepAlive, Responses responses,
      ChatRoutes.TokenCheck tokens, Consumer<Runnable> onRevocation) {
    this.reader = reader;
    this.system = system;
    this.keepAlive = keepAlive;
    this.responses = responses;
    this.tokens = tokens;
    onRevocation.accept(this::closeRevoked);
  }

  /** A stream opened with a token: the token and the queue that feeds the stream. */
  private record TokenStream(String token, FeedQueue queue) {}

  /** Ends every stream whose token is refused now, with a last {@code closing} event. */
  private void closeRevoked() {
    Iterator<TokenStream> streams = withToken.iterator();
    while (streams.hasNext()) {
      TokenStream stream = streams.next();
      try {
        tokens.roleOf(stream.token());
      } catch (Exception refused) {
        streams.remove();
        String reason = "the access token is no longer valid: " + refused.getMessage();
        stream.queue().offer(ByteString.fromString(
            "event: closing\ndata: " + responses.mapper().createObjectNode().put("reason", reason) + "\n\n"));
        stream.queue().complete();
      }
    }
  }

  /**
   * The feeds. Their requests pass the load shedder like reads: the permit is held until the
   * response starts, not for the stream's lifetime.
   */
  public List<Operation> operations() {
    return List.of(
        Operation.get("/regions/{cell}/feed", Priority.READ, p -> regionFeed(p.get("cell"))),
        Operation.get("/conversations/{id}/feed", Priority.READ, p -> conversationFeed(p.get("id"))),
        Operation.get("/proposals/{id}/feed", Priority.READ, p -> proposalFeed(p.get("id"))));
  }

  private Route regionFeed(String cell) {
    if (!RegionRoutes.isRegion(cell)) {
      return problem(KnotRoutes.notARegion(cell));
    }
    return feed(LiveFeeds.regionFeed(reader.nats(), cell));
  }

  private Route conversationFeed(String conversationId) {
    if (!CONVERSATION_ID.matcher(conversationId).matches()) {
      return problem("a conversation id is 1 to 64 letters, digits, '-' or '_'");
    }
    return feed(LiveFeeds.conversationSubject(reader.nats(), conversationId));
  }

  private Route proposalFeed(String proposalId) {
    if (!CONVERSATION_ID.matcher(proposalId).matches()) {
      return problem("a proposal id is 1 to 64 letters, digits, '-' or '_'");
    }
    return feed(LiveFeeds.proposalSubject(reader.nats(), proposalId));
  }

  private Route feed(String subject) {
    return optionalHeaderValueByName("Authorization", header -> parameterOptional("access_token", query -> {
      Optional<String> token = header.filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
          .map(h -> h.substring(7).trim()).or(() -> query);
      if (token.isPresent()) {
        try {
          tokens.roleOf(token.get());
        } catch (Exception refused) {
          return extractRequest(request -> complete(responses.problem(
              Problem.of("invalid-token", "Unauthorized", 401, String.valueOf(refused.getMessage()), request.getUri().path()),
              RawHeader.create("WWW-Authenticate", "Bearer realm=\"weltgewebe\", error=\"invalid_token\""))));
        }
      }
      return feed(subject, token);
    }));
  }

  private Route feed(String subject, Optional<String> token) {
    return optionalHeaderValueByName("Last-Event-ID", lastEventId -> {
      long after;
      try {
        after = lastEventId.map(String::trim).map(Long::parseLong).orElse(0L);
      } catch (NumberFormatException e) {
        return problem("Last-Event-ID must be the numeric id of an event of this feed");
      }
      if (after < 0) {
        return problem("Last-Event-ID must not be negative");
      }
      FeedQueue queue = new FeedQueue(BUFFER);
      AutoCloseable tail;
      try {
        tail = reader.tail(subject, after, item -> queue.offer(frame(item)), queue::complete);
      } catch (Exception e) {
        return extractRequest(request -> complete(responses.unavailable(
            "feed-unavailable", "the event stream cannot be read right now; retry shortly", request.getUri().path())));
      }
      Optional<TokenStream> bound = token.map(t -> new TokenStream(t, queue));
      bound.ifPresent(withToken::add);
      kamon.metric.Gauge open = HttpFigures.liveConnections("sse");
      open.increment();
      Source<ByteString, NotUsed> events =
          queue.source()
              .keepAlive(keepAlive, () -> KEEP_ALIVE)
              .watchTermination((notUsed, done) -> {
                done.whenComplete((ok, failure) -> {
                  bound.ifPresent(withToken::remove);
                  open.decrement();
                  try {
                    tail.close();
                  } catch (Exception e) {
                    system.log().debug("closing a live feed failed: {}", e.toString());
                  }
                });
                return notUsed;
              });
      return complete(HttpResponse.create()
          .withStatus(StatusCodes.OK)
          .addHeader(RawHeader.create("Cache-Control", "no-cache"))
          .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events)));
    });
  }

  /** An item and its SSE frame. */
  private record Framed(LiveFeedReader.Item item, ByteString frame) {}

  /**
   * The SSE frame of a feed item, encoded once for all the subscribers of its feed: the fan-out
   * hands the same item to each of them in turn, so the last frame is the one asked for again.
   * Identity, not equality: an equal item from another delivery is another event's frame only in
   * name, and comparing identities costs nothing.
   */
  @SuppressWarnings("ReferenceEquality")
  private ByteString frame(LiveFeedReader.Item item) {
    Framed last = lastFrame.get();
    if (last != null && last.item() == item) {
      return last.frame();
    }
    ByteString frame = ByteString.fromString("id: " + item.sequence() + "\ndata: " + item.json() + "\n\n");
    lastFrame.set(new Framed(item, frame));
    return frame;
  }

  private Route problem(String detail) {
    return extractRequest(request -> complete(responses.badRequest(detail, request.getUri().path())));
  }
}

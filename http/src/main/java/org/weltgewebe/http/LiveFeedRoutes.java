package org.weltgewebe.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import java.time.Duration;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.persistence.readmodel.LiveFeedReader;
import org.weltgewebe.persistence.readmodel.LiveFeeds;

/**
 * Server-sent events: {@code GET /regions/{cell}/feed} and {@code GET /conversations/{id}/feed}.
 *
 * <p>Each event's {@code id:} is its sequence in the live-feed stream; a client that reconnects
 * with {@code Last-Event-ID: n} is replayed every event after {@code n} from JetStream, in order,
 * without a gap or a duplicate, and then follows live. A client without it starts with what
 * happens from now on (it reads the current picture with {@code GET /regions/{cell}} first). A
 * keep-alive comment goes out every {@code keepAlive} of silence, so proxies and the client see
 * a living connection. A subscriber too slow to take its events (more than {@value #BUFFER} behind)
 * is disconnected and resumes with its last id, rather than holding events in memory.
 */
final class LiveFeedRoutes {
  static final int BUFFER = 1024;
  // An SSE comment line: EventSource clients ignore it, proxies see traffic.
  private static final ByteString KEEP_ALIVE = ByteString.fromString(": keep-alive\n\n");
  private static final Pattern CONVERSATION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final LiveFeedReader reader;
  private final ActorSystem<?> system;
  private final Duration keepAlive;

  LiveFeedRoutes(LiveFeedReader reader, ActorSystem<?> system, Duration keepAlive) {
    this.reader = reader;
    this.system = system;
    this.keepAlive = keepAlive;
  }

  Route route() {
    return get(() -> concat(
        path(segment("regions").slash(segment()).slash("feed"), this::regionFeed),
        path(segment("conversations").slash(segment()).slash("feed"), this::conversationFeed)));
  }

  private Route regionFeed(String cell) {
    if (!RegionCells.isRegion(cell)) {
      return problem(400, "Invalid region cell",
          "'" + cell + "' is not an H3 cell at resolution " + RegionCells.REGION_RESOLUTION);
    }
    return feed(LiveFeeds.regionSubject(reader.nats(), cell));
  }

  private Route conversationFeed(String conversationId) {
    if (!CONVERSATION_ID.matcher(conversationId).matches()) {
      return problem(400, "Invalid conversation id", "a conversation id is 1 to 64 letters, digits, '-' or '_'");
    }
    return feed(LiveFeeds.conversationSubject(reader.nats(), conversationId));
  }

  private Route feed(String subject) {
    return optionalHeaderValueByName("Last-Event-ID", lastEventId -> {
      long after;
      try {
        after = lastEventId.map(String::trim).map(Long::parseLong).orElse(0L);
      } catch (NumberFormatException e) {
        return problem(400, "Invalid Last-Event-ID", "Last-Event-ID must be the numeric id of an event of this feed");
      }
      if (after < 0) {
        return problem(400, "Invalid Last-Event-ID", "Last-Event-ID must not be negative");
      }
      Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queued =
          Source.<ByteString>queue(BUFFER).preMaterialize(system);
      BoundedSourceQueue<ByteString> queue = queued.first();
      AutoCloseable tail;
      try {
        tail = reader.tail(subject, after, item -> {
          QueueOfferResult offered =
              queue.offer(ByteString.fromString("id: " + item.sequence() + "\ndata: " + item.json() + "\n\n"));
          if (offered == QueueOfferResult.dropped()) {
            queue.fail(new IllegalStateException("subscriber fell more than " + BUFFER + " events behind"));
          }
        }, queue::complete);
      } catch (Exception e) {
        return problem(503, "Live feed unavailable", "the event stream cannot be read right now; retry shortly");
      }
      Source<ByteString, NotUsed> events =
          queued.second()
              .keepAlive(keepAlive, () -> KEEP_ALIVE)
              .watchTermination((notUsed, done) -> {
                done.whenComplete((ok, failure) -> {
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

  private static Route problem(int status, String title, String detail) {
    String body = "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
        + ",\"detail\":\"" + detail.replace("\"", "'") + "\"}";
    return complete(
        StatusCodes.get(status),
        HttpEntities.create(ContentTypes.create(org.apache.pekko.http.javadsl.model.MediaTypes.applicationWithFixedCharset(
            "problem+json", org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8)), body));
  }
}

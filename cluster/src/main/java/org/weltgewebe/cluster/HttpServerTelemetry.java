package org.weltgewebe.cluster;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import kamon.Kamon;
import kamon.context.Storage;
import kamon.instrumentation.http.HttpMessage;
import kamon.instrumentation.http.HttpServerInstrumentation;
import kamon.trace.Span;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * Kamon's HTTP server series of a node's API, recorded by the server's own request handling instead
 * of by Kamon's bytecode instrumentation of Pekko HTTP (the Kanela module {@code pekko-http} is off,
 * see {@code metrics.conf}).
 *
 * <p>The series and the trace context are Kamon's own, made by the library that its instrumentation
 * uses ({@link HttpServerInstrumentation}, settings under {@code kamon.instrumentation.pekko.http.server}):
 * a server span per request whose metrics are {@code span_processing_time_seconds{component="pekko.http.server"}},
 * {@code http_server_requests_total} by status class, active requests, request and response sizes,
 * open connections and their lifetime and usage; the context read from {@code traceparent} or B3
 * headers and current while the handler runs, so that asks, futures and log events carry its
 * trace id; the {@code trace-id} response header.
 *
 * <p>What it leaves out is what the instrumentation cost on every request: an interception of every
 * path directive of the route tree and a match of the path against every glob of an operation
 * mapping. A route names its span itself ({@link #nameOperation}) from the template it already knows.
 * A span that no route named keeps Kamon's default name, or {@code unhandled} when it was answered 404.
 */
public final class HttpServerTelemetry {
  private static final String COMPONENT = "pekko.http.server";
  private static final String SETTINGS = "kamon.instrumentation.pekko.http.server";

  /** Null when the node's metrics are off: then requests are only handled. */
  private final HttpServerInstrumentation instrumentation;

  private HttpServerTelemetry(HttpServerInstrumentation instrumentation) {
    this.instrumentation = instrumentation;
  }

  /**
   * The telemetry of an HTTP server of {@code node} bound to {@code host}:{@code port} (the
   * requested port; the series carry it as Kamon's instrumentation did).
   */
  public static HttpServerTelemetry of(WeaveNode node, String host, int port) {
    if (node.metricsEndpoint().isEmpty()) {
      return new HttpServerTelemetry(null);
    }
    Config settings = Kamon.config().getConfig(SETTINGS);
    return new HttpServerTelemetry(HttpServerInstrumentation.from(settings, COMPONENT, host, port));
  }

  /**
   * Names the span of the request being handled by its route template ({@code /knots/{id}}), never
   * by its raw path. Call it while the handler runs, on the thread that received the request.
   */
  public static void nameOperation(String template) {
    Span span = Kamon.currentSpan();
    if (!span.isEmpty()) {
      span.name(template);
    }
  }

  /**
   * What answers a request. It gets the request's path rendered once: Pekko renders a
   * {@code Uri}'s path anew on every {@code getUri().path()}, character by character, which was a
   * tenth of a cheap read's CPU when the telemetry, the load shedder and Kamon each did it.
   */
  @FunctionalInterface
  public interface Handler {
    CompletionStage<HttpResponse> apply(HttpRequest request, String path) throws Exception;
  }

  /**
   * The server's flow, for {@code bindFlow}: every connection materialises it once, and its requests
   * go to {@code handler}, {@code parallelism} at a time (Pekko's {@code pipelining-limit}, as
   * {@code bind(handler)} does).
   */
  public Flow<HttpRequest, HttpResponse, NotUsed> serve(Handler handler, int parallelism) {
    if (instrumentation == null) {
      return Flow.<HttpRequest>create().mapAsync(parallelism, request -> handler.apply(request, request.getUri().path()));
    }
    return Flow.<HttpRequest, HttpResponse, NotUsed>fromMaterializer((materializer, attributes) -> {
      Connection connection = new Connection();
      return Flow.<HttpRequest>create()
          .mapAsync(parallelism, request -> connection.handle(request, handler))
          .watchTermination((notUsed, done) -> {
            done.whenComplete((d, failure) -> connection.closed());
            return notUsed;
          });
    }).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /** One client connection: opened when the flow materialises, closed when it terminates. */
  private final class Connection {
    private final long openedAt = System.nanoTime();
    private final AtomicLong handled = new AtomicLong();

    Connection() {
      instrumentation.connectionOpened();
    }

    void closed() {
      instrumentation.connectionClosed(Duration.ofNanos(System.nanoTime() - openedAt), handled.get());
    }

    CompletionStage<HttpResponse> handle(HttpRequest request, Handler handler) throws Exception {
      String path = request.getUri().path();
      HttpServerInstrumentation.RequestHandler exchange =
          instrumentation.createHandler(new Incoming(request, path), true).requestReceived();
      CompletionStage<HttpResponse> response;
      try (Storage.Scope scope = Kamon.storeContext(exchange.context())) {
        response = handler.apply(request, path);
      } catch (Exception | Error e) {
        exchange.span().fail(e);
        exchange.responseSent();
        throw e;
      }
      return response
          .whenComplete((r, failure) -> {
            if (failure != null) {
              exchange.span().fail(failure);
              exchange.responseSent();
            }
          })
          .thenApply(r -> respond(exchange, r));
    }

    private HttpResponse respond(HttpServerInstrumentation.RequestHandler exchange, HttpResponse response) {
      handled.incrementAndGet();
      Span span = exchange.span();
      if (span.operationName().equals(instrumentation.settings().defaultOperationName())
          && response.status().intValue() == 404) {
        span.name(instrumentation.settings().unhandledOperationName());
      }
      span.takeSamplingDecision();
      HttpResponse built = exchange.buildResponse(new Outgoing(response), exchange.context());
      ResponseEntity entity = built.entity();
      if (entity.isKnownEmpty()) {
        exchange.responseSent(0);
        return built;
      }
      if (entity.isStrict() || entity.getContentLengthOption().isPresent()) {
        exchange.responseSent(entity.getContentLengthOption().orElse(-1L));
        return built;
      }
      // A streamed body (an SSE feed): the exchange ends when its stream does.
      AtomicLong bytes = new AtomicLong();
      Flow<ByteString, ByteString, NotUsed> counted = Flow.<ByteString>create()
          .map(chunk -> {
            bytes.addAndGet(chunk.size());
            return chunk;
          })
          .watchTermination((notUsed, done) -> {
            done.whenComplete((d, failure) -> {
              if (failure != null) {
                span.fail("the response stream failed", failure);
              }
              exchange.responseSent(bytes.get());
            });
            return notUsed;
          });
      return built.withEntity(HttpEntities.createChunked(entity.getContentType(), entity.getDataBytes().via(counted)));
    }
  }

  /**
   * A request as Kamon's HTTP instrumentation reads it: for propagation headers and span tags. Its
   * URL is the request target without scheme and host: Kamon asks for it on every request, and
   * rendering the whole {@code Uri} cost as much as the rest of a cheap read's telemetry (the span
   * tag it feeds is off in {@code metrics.conf}; no tracer reads it).
   */
  private record Incoming(HttpRequest request, String path) implements HttpMessage.Request {
    @Override
    public String url() {
      return request.getUri().rawQueryString().map(query -> path + "?" + query).orElse(path);
    }

    @Override
    public String method() {
      return request.method().value();
    }

    @Override
    public String host() {
      return request.getUri().host().address();
    }

    @Override
    public int port() {
      return request.getUri().port();
    }

    @Override
    public scala.Option<String> read(String header) {
      return scala.Option.apply(request.getHeader(header).map(HttpHeader::value).orElse(null));
    }

    @Override
    @SuppressWarnings("unchecked") // Scala's Map.updated widens its value type, which Java sees raw
    public scala.collection.immutable.Map<String, String> readAll() {
      scala.collection.immutable.Map<String, String> all = scala.collection.immutable.Map$.MODULE$.<String, String>empty();
      for (HttpHeader header : request.getHeaders()) {
        all = all.updated(header.name(), header.value());
      }
      return all;
    }
  }

  /** A response as Kamon's HTTP instrumentation writes to it: its status and the trace-id header. */
  private static final class Outgoing implements HttpMessage.ResponseBuilder<HttpResponse> {
    private HttpResponse response;

    Outgoing(HttpResponse response) {
      this.response = response;
    }

    @Override
    public int statusCode() {
      return response.status().intValue();
    }

    @Override
    public void write(String header, String value) {
      response = response.addHeader(RawHeader.create(header, value));
    }

    @Override
    public HttpResponse build() {
      return response;
    }
  }
}

package org.weltgewebe.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.mapResponse;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;
import static org.apache.pekko.http.javadsl.server.Directives.withRequestTimeoutResponse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedQueryParamRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.MissingQueryParamRejection;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.cluster.HttpServerTelemetry;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.http.auth.AccessTokens;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.auth.KeyRing;
import org.weltgewebe.http.json.JsonBody;
import org.weltgewebe.http.json.Problem;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.routes.AccountRoutes;
import org.weltgewebe.http.routes.ChatRoutes;
import org.weltgewebe.http.routes.ConversationRoutes;
import org.weltgewebe.http.routes.HealthRoutes;
import org.weltgewebe.http.routes.HttpFigures;
import org.weltgewebe.http.routes.KeyRoutes;
import org.weltgewebe.http.routes.KnotRoutes;
import org.weltgewebe.http.routes.LiveFeedRoutes;
import org.weltgewebe.http.routes.OpenApiRoutes;
import org.weltgewebe.http.routes.Operation;
import org.weltgewebe.http.routes.ProposalRoutes;
import org.weltgewebe.http.routes.RegionRoutes;
import org.weltgewebe.http.routes.RoleRoutes;
import org.weltgewebe.http.routes.SearchRoutes;
import org.weltgewebe.http.routes.SessionRateLimit;
import org.weltgewebe.http.routes.ThreadRoutes;
import org.weltgewebe.http.routes.TileRoutes;
import org.weltgewebe.http.shedding.Endpoint;
import org.weltgewebe.http.shedding.EndpointIndex;
import org.weltgewebe.http.shedding.LoadShedder;
import org.weltgewebe.http.shedding.Priority;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.privacy.ForgetPipeline;
import org.weltgewebe.persistence.privacy.Vault;
import org.weltgewebe.persistence.readmodel.LiveFeedReader;
import org.weltgewebe.persistence.search.PostgresSearchIndex;

/**
 * The whole API in one place: every resource's operations inside the handlers that turn rejections,
 * exceptions and request timeouts into problems, inside the security headers that every response
 * carries (errors, 304 and 503 included), and the load shedder in front of them all, deciding
 * before any routing ({@link #handler(ClassicActorSystemProvider)}).
 *
 * <p>The live feeds ({@link LiveFeedRoutes}: SSE) and the chat ({@link ChatRoutes}: WebSocket)
 * read JetStream. Their requests hold a load-shedder
 * permit only until the response starts, not for the stream's lifetime.
 */
final class ApiRoutes {
  /**
   * Headers for an API that serves JSON and binary tiles, never HTML: a CSP that forbids everything
   * (so a response opened in a browser can run nothing), isolation from other origins' windows and
   * resources, no MIME sniffing, and no referrer leaking ids in paths.
   */
  static final List<HttpHeader> SECURITY_HEADERS =
      List.of(
          RawHeader.create("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
          RawHeader.create("Cross-Origin-Opener-Policy", "same-origin"),
          RawHeader.create("Cross-Origin-Embedder-Policy", "require-corp"),
          RawHeader.create("X-Content-Type-Options", "nosniff"),
          RawHeader.create("Referrer-Policy", "no-referrer"));

  private final List<Operation> operations;
  private final Responses responses;
  private final LoadShedder shedder;
  private final EndpointIndex index;
  /** The detail of a 503 per priority class, written once rather than per refusal. */
  private final Map<Priority, String> refusals = new EnumMap<>(Priority.class);

  ApiRoutes(List<Operation> operations, Responses responses, LoadShedder shedder) {
    this.operations = List.copyOf(operations);
    this.responses = responses;
    this.shedder = shedder;
    this.index = new EndpointIndex(table());
    for (Priority priority : Priority.values()) {
      refusals.put(
          priority,
          "the node is at its concurrency limit for " + priority.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
              + " requests; retry in " + Responses.RETRY_AFTER_SECONDS + " s");
    }
  }

  /** Every resource of the API, built over one node's domain facade. */
  static ApiRoutes compose(
      WeaveNode node, ApiSettings settings, ObjectMapper mapper, KeyRing keys, AccessTokens tokens) {
    Responses responses = new Responses(mapper);
    JsonBody body = new JsonBody(responses, settings.maxBodyBytes());
    Authentication auth = new Authentication(tokens, responses);
    List<Operation> operations = new ArrayList<>();
    operations.addAll(new HealthRoutes(node.system(), node.database()).operations());
    Executor blocking = node.system().dispatchers().lookup(DispatcherSelector.blocking());
    // The audit log and the export's reads, on a small pool of their own (see Vault).
    Vault vault = Vault.open(node.database(), 2, Clock.systemUTC());
    node.system().getWhenTerminated().thenRun(vault::close);
    operations.addAll(new RoleRoutes(node.weave(), responses, body, auth, tokens, vault, blocking, settings.clock(),
        new SessionRateLimit(settings.sessionLimit(), settings.clock(), responses)).operations());
    operations.addAll(new KnotRoutes(node.weave(), responses, body, auth).operations());
    operations.addAll(new ThreadRoutes(node.weave(), responses, auth).operations());
    operations.addAll(new ConversationRoutes(node.weave(), responses, body, auth).operations());
    operations.addAll(new RegionRoutes(node.weave(), responses).operations());
    operations.addAll(new ProposalRoutes(node.weave(), responses, body, auth, node.clock()).operations());
    operations.addAll(new AccountRoutes(node.weave(), responses, body, auth).operations());
    LiveFeedReader feeds = new LiveFeedReader(NatsSettings.fromConfig(node.system().settings().config()));
    node.system().getWhenTerminated().thenRun(() -> {
      try {
        feeds.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    operations.addAll(new LiveFeedRoutes(feeds, node.system(), settings.sseKeepAlive(), responses, tokens::verify,
        tokens::onRevocation).operations());
    operations.addAll(
        new ChatRoutes(node.weave(), feeds, tokens::verify, tokens::onRevocation, node.system(), settings.chatIdleTimeout(), settings.clock(), responses)
            .operations());
    answerOperatorForgets(node, tokens, vault, mapper, blocking);
    PostgresSearchIndex search =
        PostgresSearchIndex.open(node.database(), settings.searchPoolSize(), settings.searchTimeout(),
            node.system().dispatchers().lookup(DispatcherSelector.blocking()), node.clock());
    node.system().getWhenTerminated().thenRun(search::close);
    operations.addAll(new SearchRoutes(search, responses).operations());
    operations.addAll(new TileRoutes(responses).operations());
    operations.addAll(new KeyRoutes(keys, responses).operations());
    operations.addAll(new OpenApiRoutes().operations());
    return new ApiRoutes(operations, responses, LoadShedder.from(settings.shedding()));
  }

  /** Answers {@code weltgewebe gdpr forget} requests ({@link OperatorForgets}) until the node stops. */
  private static void answerOperatorForgets(
      WeaveNode node, AccessTokens tokens, Vault vault, ObjectMapper mapper, Executor blocking) {
    NatsSettings nats = NatsSettings.fromConfig(node.system().settings().config());
    try {
      ForgetPipeline pipeline = new ForgetPipeline(node.weave(), vault.records(), nats, blocking);
      OperatorForgets listener = OperatorForgets.listen(nats, pipeline, tokens, vault.audit(), mapper, blocking);
      node.system().getWhenTerminated().thenRun(() -> {
        try {
          listener.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          pipeline.close();
        }
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while subscribing to gdpr forget requests", e);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot subscribe to gdpr forget requests: " + e.getMessage(), e);
    }
  }

  /** Every operation the server answers: what the OpenAPI document must describe. */
  List<Endpoint> table() {
    return operations.stream().map(Operation::endpoint).toList();
  }

  LoadShedder shedder() {
    return shedder;
  }

  /**
   * The API as the server's handler: the load shedder decides first, and a refused request is
   * answered here, outside the route tree, so a 503 costs no directive and no future of the
   * routing DSL. An admitted request runs {@link #route()}; its permit is held until the response
   * is ready (for a stream: until its headers go out).
   */
  HttpServerTelemetry.Handler handler(ClassicActorSystemProvider system) {
    org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>> routed = route().handler(system);
    return (request, path) -> admitted(request, path, routed);
  }

  /**
   * Every resource's operations inside the handlers that turn rejections, exceptions and request
   * timeouts into problems, inside the security headers; without admission control ({@link #handler(ClassicActorSystemProvider)}
   * adds it).
   */
  private Route route() {
    List<Route> routes = new ArrayList<>();
    for (Operation operation : operations) {
      routes.add(operation.route(inner -> mapResponse(
          response -> HttpFigures.countEgress(operation.endpoint(), response), inner)));
    }
    Route routed =
        withRequestTimeoutResponse(
            this::timedOut,
            () ->
                handleExceptions(
                    exceptions(),
                    () -> handleRejections(rejections(), () -> concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new)))));
    return respondWithHeaders(SECURITY_HEADERS, () -> routed);
  }

  /**
   * Admits {@code request} through the load shedder before anything else runs, or answers 503 at
   * once. The endpoint is found from method and path ({@link EndpointIndex}), so a refused request
   * costs no routing, no entity read, no token check and no ask; health is never shed.
   */
  private CompletionStage<HttpResponse> admitted(
      HttpRequest request, String path,
      org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>> routed)
      throws Exception {
    Optional<Endpoint> endpoint = index.find(request.method().name(), path);
    endpoint.ifPresent(e -> HttpServerTelemetry.nameOperation(e.template()));
    if (endpoint.isEmpty() || endpoint.get().priority() == Priority.HEALTH) {
      return routed.apply(request);
    }
    Optional<LoadShedder.Permit> permit = shedder.tryAcquire(endpoint.get());
    if (permit.isEmpty()) {
      HttpFigures.shed(endpoint.get());
      return CompletableFuture.completedFuture(
          responses.unavailable("overloaded", refusals.get(endpoint.get().priority()), path).addHeaders(SECURITY_HEADERS));
    }
    CompletionStage<HttpResponse> response;
    try {
      response = routed.apply(request);
    } catch (Exception | Error e) {
      permit.get().release(true);
      throw e;
    }
    return response.whenComplete((r, failure) -> permit.get().release(failure != null || r.status().intValue() == 503));
  }

  private HttpResponse timedOut(HttpRequest request) {
    // This response bypasses the route, so it gets the security headers here.
    return responses
        .unavailable(
            "request-timeout",
            "the request took longer than the server's request-timeout; retry shortly",
            request.getUri().path())
        .addHeaders(SECURITY_HEADERS);
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .matchAny(failure -> extractRequest(request -> complete(responses.failure(failure, request.getUri().path()))))
        .build();
  }

  private RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handleAll(
            MethodRejection.class,
            rejected ->
                extractRequest(
                    request -> {
                      TreeSet<String> allowed = new TreeSet<>();
                      rejected.forEach(r -> allowed.add(r.supported().name()));
                      return complete(
                          responses.problem(
                              Problem.of("method-not-allowed", "Method not allowed", 405,
                                  request.method().name() + " is not supported here; allowed: " + String.join(", ", allowed),
                                  request.getUri().path()),
                              RawHeader.create("Allow", String.join(", ", allowed))));
                    }))
        .handle(
            MalformedQueryParamRejection.class,
            rejected ->
                extractRequest(
                    request ->
                        complete(
                            responses.badRequest(
                                "query parameter '" + rejected.parameterName() + "' is malformed: " + rejected.errorMsg(),
                                request.getUri().path()))))
        .handle(
            MissingQueryParamRejection.class,
            rejected ->
                extractRequest(
                    request ->
                        complete(
                            responses.badRequest(
                                "query parameter '" + rejected.parameterName() + "' is required",
                                request.getUri().path()))))
        .handle(
            Rejection.class,
            rejected ->
                extractRequest(
                    request ->
                        complete(
                            responses.badRequest("the request was refused: " + rejected, request.getUri().path()))))
        .handleNotFound(
            extractRequest(
                request ->
                    complete(
                        responses.problem(
                            Problem.of("no-such-route", "Not found", 404,
                                "no operation at " + request.method().name() + " " + request.getUri().path()
                                    + "; /openapi.json lists them",
                                request.getUri().path())))))
        .build();
  }
}

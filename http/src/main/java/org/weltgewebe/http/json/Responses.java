package org.weltgewebe.http.json;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.actors.Refusal;

/**
 * Every response body this API writes: JSON documents and RFC 9457 problems. Refusals of the domain
 * map to one status each ({@link Refusal.Kind}); a timeout of an entity becomes a 503 with
 * {@code Retry-After}; anything unexpected becomes a 500 whose body names no class and holds no
 * stack trace (the log has it).
 */
public final class Responses {
  private static final Logger log = LoggerFactory.getLogger(Responses.class);

  static final ContentType PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8).toContentType();

  /** Seconds a client should wait after a 503; short, because overload passes in seconds. */
  public static final int RETRY_AFTER_SECONDS = 1;

  private final ObjectMapper mapper;

  public Responses(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  public HttpResponse ok(Object body) {
    return json(200, body);
  }

  public HttpResponse created(String location, Object body) {
    return json(201, body).addHeader(Location.create(location));
  }

  public HttpResponse json(int status, Object body) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, write(body)));
  }

  public HttpResponse problem(Problem problem, HttpHeader... headers) {
    return HttpResponse.create()
        .withStatus(problem.status())
        .withEntity(HttpEntities.create(PROBLEM_JSON, write(problem)))
        .addHeaders(List.of(headers));
  }

  public HttpResponse badRequest(String detail, String instance) {
    return problem(Problem.of("bad-request", "Bad request", 400, detail, instance));
  }

  /** The answer to a command an entity refused. */
  public HttpResponse refused(Refusal refusal, String instance) {
    return problem(problemOf(refusal, instance));
  }

  public static Problem problemOf(Refusal refusal, String instance) {
    return switch (refusal.kind()) {
      case INVALID -> Problem.of("invalid", "Unprocessable request", 422, refusal.reason(), instance);
      case NOT_FOUND -> Problem.of("not-found", "Not found", 404, refusal.reason(), instance);
      case CONFLICT -> Problem.of("conflict", "Conflict", 409, refusal.reason(), instance);
      case FORBIDDEN -> Problem.of("forbidden", "Forbidden", 403, refusal.reason(), instance);
      case GONE -> Problem.of("gone", "Gone", 410, refusal.reason(), instance);
    };
  }

  /** A 503 that tells the client to come back soon. */
  public HttpResponse unavailable(String slug, String detail, String instance) {
    return problem(
        Problem.of(slug, "Service unavailable", 503, detail, instance),
        RawHeader.create("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)));
  }

  /** The answer to a failed future: a timeout is overload (503), anything else a bug (500). */
  public HttpResponse failure(Throwable failure, String instance) {
    Throwable cause = unwrap(failure);
    if (cause instanceof TimeoutException) {
      return unavailable(
          "entity-timeout",
          "the entity did not answer in time; the node is busy or rebalancing, retry shortly",
          instance);
    }
    log.error("request {} failed", instance, cause);
    return problem(
        Problem.of("internal", "Internal server error", 500,
            "the server failed to handle this request; it has been logged", instance));
  }

  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  byte[] write(Object body) {
    try {
      return mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response body of " + body.getClass().getSimpleName(), e);
    }
  }

  /**
   * Completes with the response {@code work} produces for the request path it is given; a failed
   * or throwing {@code work} becomes a problem, never an exception escaping into Pekko's defaults.
   */
  public Route answer(Function<String, CompletionStage<HttpResponse>> work) {
    return extractRequest(
        request -> {
          String instance = request.getUri().path();
          CompletionStage<HttpResponse> response;
          try {
            response = work.apply(instance);
          } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
          }
          return completeWithFuture(response.exceptionally(failure -> failure(failure, instance)));
        });
  }
}

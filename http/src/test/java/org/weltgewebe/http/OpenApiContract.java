package org.weltgewebe.http;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The contract between the routes and {@code openapi.json}: every exchange of the API tests that
 * goes through {@link TestApi} is validated against the document with Atlassian's
 * swagger-request-validator, so the document cannot drift from what the server does.
 *
 * <p>The response is always checked: its status must be documented for the operation and its body
 * must match that response's schema. The request is checked when the server accepted it (status
 * below 400): a request the server takes must be one the document allows, while a request the
 * server refuses may be deliberately wrong (that is what refusal tests send). Requests to no
 * documented operation (answered 405, or 404 {@code no-such-route}) are left to
 * {@link OpenApiDocumentTest}, which holds the route table and the document to each other.
 */
public final class OpenApiContract {
  private static final OpenApiInteractionValidator VALIDATOR =
      OpenApiInteractionValidator.createForInlineApiSpecification(document()).build();

  private OpenApiContract() {}

  /** Fails with every finding when the exchange breaks the document. */
  public static void check(HttpRequest request, int status, HttpHeaders responseHeaders, byte[] responseBody) {
    if (status == 405 || (status == 404 && new String(responseBody, StandardCharsets.UTF_8).contains("/problems/no-such-route"))) {
      return;
    }
    URI uri = request.uri();
    Request.Method method = Request.Method.valueOf(request.method().toUpperCase(Locale.ROOT));
    SimpleResponse.Builder response = new SimpleResponse.Builder(status);
    responseHeaders.map().forEach(response::withHeader);
    if (responseBody.length > 0) {
      response.withBody(responseBody);
    }
    ValidationReport report = VALIDATOR.validateResponse(uri.getRawPath(), method, response.build());
    if (status < 400) {
      report = report.merge(VALIDATOR.validateRequest(request(request, method)));
    }
    if (report.hasErrors()) {
      throw new AssertionError(
          request.method() + " " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
              + " → " + status + " breaks openapi.json:\n"
              + report.getMessages().stream()
                  .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                  .map(m -> "  " + m.getKey() + ": " + m.getMessage())
                  .collect(Collectors.joining("\n"))
              + "\n  response body: " + abbreviated(responseBody));
    }
  }

  private static SimpleRequest request(HttpRequest request, Request.Method method) {
    SimpleRequest.Builder builder = new SimpleRequest.Builder(method, request.uri().getRawPath());
    request.headers().map().forEach(builder::withHeader);
    String query = request.uri().getRawQuery();
    if (query != null) {
      for (String pair : query.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        builder.withQueryParam(name, value);
      }
    }
    byte[] body = body(request);
    if (body.length > 0) {
      builder.withBody(body);
    }
    return builder.build();
  }

  /** The bytes a request sends: its body publisher replayed (the JDK's publishers can be read again). */
  private static byte[] body(HttpRequest request) {
    if (request.bodyPublisher().isEmpty()) {
      return new byte[0];
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    request.bodyPublisher().get().subscribe(new Flow.Subscriber<ByteBuffer>() {
      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(ByteBuffer item) {
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }

      @Override
      public void onError(Throwable failure) {
        done.completeExceptionally(failure);
      }

      @Override
      public void onComplete() {
        done.complete(bytes.toByteArray());
      }
    });
    try {
      return done.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading a request body", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the request body back for validation", e);
    }
  }

  private static String abbreviated(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    return text.length() > 400 ? text.substring(0, 400) + "…" : text;
  }

  private static String document() {
    try (InputStream in = OpenApiContract.class.getResourceAsStream("/org/weltgewebe/http/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

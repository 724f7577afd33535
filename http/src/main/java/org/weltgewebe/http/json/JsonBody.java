package org.weltgewebe.http.json;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractMaterializer;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.util.ByteString;

/**
 * Reads a request body into a request record, refusing with a precise problem: 413 past the size
 * limit (checked on the declared length before reading, and again while reading a chunked body),
 * 415 for anything but JSON, 400 for malformed JSON, unknown fields and wrong types, naming the
 * field by its JSON path.
 */
public final class JsonBody {
  private final ObjectMapper mapper;
  private final Responses responses;
  private final long maxBytes;

  public JsonBody(Responses responses, long maxBytes) {
    this.mapper = responses.mapper();
    this.responses = responses;
    this.maxBytes = maxBytes;
  }

  /** The request body as a {@code type}, handed to {@code inner}; or the problem with it. */
  public <T> Route as(Class<T> type, Function<T, Route> inner) {
    return extractRequest(
        request ->
            extractMaterializer(
                materializer -> {
                  String instance = request.getUri().path();
                  RequestEntity entity = request.entity();
                  OptionalLong declared = entity.getContentLengthOption();
                  if (declared.isPresent() && declared.getAsLong() > maxBytes) {
                    return complete(tooLarge(instance));
                  }
                  if (!entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                    return complete(
                        responses.problem(
                            Problem.of("unsupported-media-type", "Unsupported media type", 415,
                                "the body must be application/json, got " + entity.getContentType().mediaType(),
                                instance)));
                  }
                  if (entity instanceof HttpEntity.Strict strict) {
                    // The body came in whole with the request (Pekko HTTP's parser hands such a body
                    // over strict; its length is declared, so the check above held it to the limit):
                    // parse it here. Folding it through a stream materialised a stream per request,
                    // 11 % of the node's CPU samples of a write (docs/performance.md).
                    Parsed<T> result = parse(strict.getData(), type, instance);
                    return result.value() != null ? inner.apply(result.value()) : complete(result.refusal());
                  }
                  CompletionStage<Parsed<T>> parsed =
                      entity
                          .getDataBytes()
                          .runFold(ByteString.emptyByteString(), this::append, materializer)
                          .handle(
                              (bytes, failure) ->
                                  failure == null
                                      ? parse(bytes, type, instance)
                                      : Parsed.<T>refused(
                                          Responses.unwrap(failure) instanceof TooLarge
                                              ? tooLarge(instance)
                                              : responses.badRequest("the request body could not be read", instance)));
                  return onSuccess(
                      parsed,
                      result -> result.value() != null ? inner.apply(result.value()) : complete(result.refusal()));
                }));
  }

  private ByteString append(ByteString sofar, ByteString chunk) {
    if (sofar.size() + chunk.size() > maxBytes) {
      throw new TooLarge();
    }
    return sofar.concat(chunk);
  }

  private HttpResponse tooLarge(String instance) {
    return responses.problem(
        Problem.of("payload-too-large", "Payload too large", 413,
            "the request body must be at most " + maxBytes + " bytes", instance));
  }

  private <T> Parsed<T> parse(ByteString bytes, Class<T> type, String instance) {
    if (bytes.isEmpty()) {
      return Parsed.refused(responses.badRequest("a JSON request body is required", instance));
    }
    try {
      T value = mapper.readValue(bytes.toArray(), type);
      if (value == null) {
        return Parsed.refused(responses.badRequest("the request body must be a JSON object, got null", instance));
      }
      return new Parsed<>(value, null);
    } catch (IOException e) {
      return Parsed.refused(responses.badRequest(describe(e), instance));
    }
  }

  /** What is wrong with the body, for a person: the field's JSON path and what it must be. */
  static String describe(IOException e) {
    if (e instanceof UnrecognizedPropertyException unknown) {
      Collection<Object> known = unknown.getKnownPropertyIds();
      return "unknown field '" + pathOf(unknown) + "'"
          + (known == null ? "" : "; allowed here: " + new TreeSet<>(known.stream().map(String::valueOf).toList()));
    }
    if (e instanceof InvalidFormatException format) {
      return "field '" + pathOf(format) + "' must be " + expected(format.getTargetType())
          + ", got " + describeValue(format.getValue());
    }
    if (e instanceof MismatchedInputException mismatch
        && String.valueOf(mismatch.getOriginalMessage()).startsWith("Trailing token")) {
      var where = mismatch.getLocation();
      return "trailing content after the JSON object"
          + (where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr())
          + ": a request body holds exactly one JSON value";
    }
    if (e instanceof MismatchedInputException mismatch) {
      String path = pathOf(mismatch);
      if (path.isEmpty()) {
        return "the request body must be a JSON object";
      }
      return "field '" + path + "' must be " + expected(mismatch.getTargetType());
    }
    if (e instanceof JsonMappingException mapping) {
      String path = pathOf(mapping);
      return path.isEmpty() ? "the request body does not fit this operation" : "field '" + path + "' is not valid";
    }
    if (e instanceof JsonProcessingException processing) {
      var where = processing.getLocation();
      String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
      return "malformed JSON" + at + ": " + firstLine(processing.getOriginalMessage());
    }
    return "the request body could not be read";
  }

  private static String pathOf(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == Instant.class) {
      return "an ISO-8601 instant such as 2025-06-01T18:00:00Z";
    }
    if (type.isEnum()) {
      return "one of " + Arrays.toString(type.getEnumConstants());
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    return "an object";
  }

  private static String describeValue(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable input";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** A parsed body, or the response that refuses it. */
  private record Parsed<T>(T value, HttpResponse refusal) {
    static <T> Parsed<T> refused(HttpResponse refusal) {
      return new Parsed<>(null, refusal);
    }
  }

  /** The body grew past the limit while it was read. */
  private static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("request body too large", null, false, false);
    }
  }
}

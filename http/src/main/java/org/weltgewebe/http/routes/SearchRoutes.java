package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;
import org.weltgewebe.persistence.search.SearchIndex;
import org.weltgewebe.persistence.search.SearchQuery;

/**
 * Search over knots and roles' public profiles: {@code GET /search?q=…&kind=…&type=…&bbox=…&limit=…&offset=…},
 * answered by whichever {@link SearchIndex} the node runs.
 *
 * <p>Every parameter is checked here, before the index sees it, so that a client learns which one
 * is wrong and why (400); parameters this route does not know, or one given twice, are refused too,
 * since a silently ignored {@code kinds=role} would answer a question nobody asked. Search is bulk
 * traffic: it is shed first, with the tiles.
 */
public final class SearchRoutes {
  private static final Set<String> PARAMETERS = Set.of("q", "kind", "type", "bbox", "limit", "offset");

  private final SearchIndex index;
  private final Responses responses;

  public SearchRoutes(SearchIndex index, Responses responses) {
    this.index = index;
    this.responses = responses;
  }

  public List<Operation> operations() {
    return List.of(Operation.get("/search", Priority.BULK, p -> search()));
  }

  private Route search() {
    return extractRequest(request -> responses.answer(instance -> {
      // Bad percent-encoding (q=%zz) never gets here: the server's parser refuses it with 400.
      Parsed parsed = parse(request.getUri().query());
      if (parsed.problem() != null) {
        return CompletableFuture.completedFuture(responses.badRequest(parsed.problem(), instance));
      }
      return index.search(parsed.query())
          .thenApply(responses::ok)
          .exceptionally(failure -> unavailableOrFailure(failure, instance));
    }));
  }

  /** The query the parameters describe, or the first reason they describe none. */
  private record Parsed(SearchQuery query, String problem) {
    static Parsed problem(String reason) {
      return new Parsed(null, reason);
    }
  }

  static Parsed parse(Query parameters) {
    Map<String, List<String>> all = parameters.toMultiMap();
    List<String> unknown = new ArrayList<>();
    for (Map.Entry<String, List<String>> parameter : all.entrySet()) {
      if (!PARAMETERS.contains(parameter.getKey())) {
        unknown.add(parameter.getKey());
      } else if (parameter.getValue().size() > 1) {
        return Parsed.problem("query parameter '" + parameter.getKey() + "' is given " + parameter.getValue().size()
            + " times; give it once");
      }
    }
    if (!unknown.isEmpty()) {
      return Parsed.problem("unknown query parameter" + (unknown.size() > 1 ? "s " : " ") + unknown.stream().sorted().toList()
          + "; /search takes " + PARAMETERS.stream().sorted().toList());
    }
    Optional<String> q = parameters.get("q");
    if (q.isEmpty()) {
      return Parsed.problem("query parameter 'q' is required: the text to search for");
    }
    String text = q.get();
    if (text.isBlank()) {
      return Parsed.problem("q must not be empty or only spaces");
    }
    int length = text.codePointCount(0, text.length());
    if (length > SearchQuery.MAX_TEXT_LENGTH) {
      return Parsed.problem("q must have at most " + SearchQuery.MAX_TEXT_LENGTH + " characters, got " + length);
    }
    if (text.chars().anyMatch(Character::isISOControl)) {
      return Parsed.problem("q must not contain control characters");
    }

    Set<SearchQuery.Kind> kinds = EnumSet.allOf(SearchQuery.Kind.class);
    Optional<String> kind = parameters.get("kind");
    if (kind.isPresent()) {
      Optional<SearchQuery.Kind> parsed = constant(SearchQuery.Kind.class, kind.get());
      if (parsed.isEmpty()) {
        return Parsed.problem("kind must be knot or role, got \"" + kind.get() + "\"");
      }
      kinds = EnumSet.of(parsed.get());
    }
    Optional<Knot.Type> type = Optional.empty();
    if (parameters.get("type").isPresent()) {
      String typeText = parameters.get("type").get();
      type = constant(Knot.Type.class, typeText);
      if (type.isEmpty()) {
        return Parsed.problem("type must be one of " + List.of(Knot.Type.values()) + ", got \"" + typeText + "\"");
      }
      if (!kinds.contains(SearchQuery.Kind.KNOT)) {
        return Parsed.problem("type filters knots; it cannot be combined with kind=role");
      }
    }
    Optional<SearchQuery.Area> area = Optional.empty();
    if (parameters.get("bbox").isPresent()) {
      BoundingBox.Result box = BoundingBox.parse(parameters.get("bbox").get());
      if (box.problem() != null) {
        return Parsed.problem(box.problem());
      }
      BoundingBox b = box.box();
      area = Optional.of(new SearchQuery.Area(b.minLat(), b.minLon(), b.maxLat(), b.maxLon()));
    }
    Integer limit = integer(parameters.get("limit").orElse(Integer.toString(SearchQuery.DEFAULT_LIMIT)), 1, SearchQuery.MAX_LIMIT);
    if (limit == null) {
      return Parsed.problem("limit must be an integer in [1, " + SearchQuery.MAX_LIMIT + "], got \""
          + parameters.get("limit").orElse("") + "\"");
    }
    Integer offset = integer(parameters.get("offset").orElse("0"), 0, SearchQuery.MAX_OFFSET);
    if (offset == null) {
      return Parsed.problem("offset must be an integer in [0, " + SearchQuery.MAX_OFFSET + "], got \""
          + parameters.get("offset").orElse("") + "\" (deeper pages are not served: refine q instead)");
    }
    return new Parsed(new SearchQuery(text, kinds, type, area, limit, offset), null);
  }

  /** A search the index could not run in time is overload (503, retry); anything else is a bug. */
  private HttpResponse unavailableOrFailure(Throwable failure, String instance) {
    if (Responses.unwrap(failure) instanceof TimeoutException) {
      return responses.unavailable("search-timeout", "the search did not finish in time; the node is busy, retry shortly", instance);
    }
    return responses.failure(failure, instance);
  }

  private static <E extends Enum<E>> Optional<E> constant(Class<E> type, String text) {
    try {
      return Optional.of(Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Integer integer(String text, int min, int max) {
    try {
      int value = Integer.parseInt(text.trim());
      return value < min || value > max ? null : value;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}

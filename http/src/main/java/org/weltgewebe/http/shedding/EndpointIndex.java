package org.weltgewebe.http.shedding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which endpoint a request would reach, decided from its method and path alone, before the route
 * tree runs. The load shedder admits or refuses a request by this answer, so a refusal costs a few
 * string comparisons: no directive of the route tree, no entity read, no token check, no ask.
 *
 * <p>Templates match as the routes' {@code Operation.route} matches them: segment by segment, a {@code {name}}
 * segment standing for any non-empty segment, tried in the order of the route table. A request it
 * cannot place (a typo, a trailing slash) is not an endpoint's and is left to the route tree, which
 * answers it cheaply with 404 or 405.
 */
public final class EndpointIndex {
  private final Map<String, List<Entry>> byMethodAndLength = new HashMap<>();

  private record Entry(Endpoint endpoint, String[] segments) {
    boolean matches(String[] path) {
      for (int i = 0; i < segments.length; i++) {
        String segment = segments[i];
        boolean variable = segment.startsWith("{");
        if (variable ? path[i].isEmpty() : !segment.equals(path[i])) {
          return false;
        }
      }
      return true;
    }
  }

  public EndpointIndex(List<Endpoint> endpoints) {
    for (Endpoint endpoint : endpoints) {
      String[] segments = segments(endpoint.template());
      byMethodAndLength
          .computeIfAbsent(key(endpoint.method(), segments.length), k -> new ArrayList<>())
          .add(new Entry(endpoint, segments));
    }
  }

  /** The endpoint a {@code method} request to {@code path} reaches, if any. */
  public Optional<Endpoint> find(String method, String path) {
    String[] segments = segments(path);
    List<Entry> candidates = byMethodAndLength.get(key(method, segments.length));
    if (candidates != null) {
      for (Entry candidate : candidates) {
        if (candidate.matches(segments)) {
          return Optional.of(candidate.endpoint());
        }
      }
    }
    return Optional.empty();
  }

  private static String key(String method, int length) {
    return method + " " + length;
  }

  /** "/a/b/" splits into a, b and an empty last segment, which no template has. */
  private static String[] segments(String path) {
    return (path.startsWith("/") ? path.substring(1) : path).split("/", -1);
  }
}

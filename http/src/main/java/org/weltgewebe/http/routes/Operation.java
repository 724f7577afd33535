package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.method;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.http.shedding.Endpoint;
import org.weltgewebe.http.shedding.Priority;

/**
 * An {@link Endpoint} with its handler. The route is built from the same template the route table
 * lists, so the table (and through it the OpenAPI test) cannot drift from what the server answers.
 */
public record Operation(Endpoint endpoint, Function<PathParams, Route> handler) {

  static Operation get(String template, Priority priority, Function<PathParams, Route> handler) {
    return new Operation(new Endpoint("GET", template, priority), handler);
  }

  static Operation post(String template, Priority priority, Function<PathParams, Route> handler) {
    return new Operation(new Endpoint("POST", template, priority), handler);
  }

  static Operation put(String template, Priority priority, Function<PathParams, Route> handler) {
    return new Operation(new Endpoint("PUT", template, priority), handler);
  }

  static Operation delete(String template, Priority priority, Function<PathParams, Route> handler) {
    return new Operation(new Endpoint("DELETE", template, priority), handler);
  }

  /**
   * The route: the template's segments matched one by one, then the method, then the handler
   * wrapped in {@code guard} (which counts its egress). Admission is decided before this route runs,
   * by {@link org.weltgewebe.http.shedding.EndpointIndex}, which matches the same templates.
   */
  public Route route(Function<Supplier<Route>, Route> guard) {
    List<String> segments = List.of(endpoint.template().substring(1).split("/"));
    return match(segments, 0, Map.of(), guard);
  }

  private Route match(List<String> segments, int index, Map<String, String> values, Function<Supplier<Route>, Route> guard) {
    if (index == segments.size()) {
      HttpMethod httpMethod = HttpMethods.lookup(endpoint.method()).orElseThrow();
      return pathEnd(() -> method(httpMethod, () -> guard.apply(() -> handler.apply(new PathParams(values)))));
    }
    String segment = segments.get(index);
    if (segment.startsWith("{") && segment.endsWith("}")) {
      String name = segment.substring(1, segment.length() - 1);
      return pathPrefix(
          PathMatchers.segment(),
          value -> {
            Map<String, String> more = new HashMap<>(values);
            more.put(name, value);
            return match(segments, index + 1, Map.copyOf(more), guard);
          });
    }
    return pathPrefix(segment, () -> match(segments, index + 1, values, guard));
  }
}

package org.weltgewebe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.weltgewebe.cluster.WeaveNode;

/**
 * Binds a node's HTTP API on {@code weltgewebe.http.host}:{@code port}: the routes of every
 * resource ({@link ApiRoutes}), authentication with Ed25519 tokens, load shedding, problem
 * responses and the OpenAPI document. See {@code http.conf} for the settings.
 */
public final class HttpApi {
  private HttpApi() {}

  /** Starts serving; the binding is released by CoordinatedShutdown when the node stops. */
  public static CompletionStage<ServerBinding> bind(WeaveNode node) {
    return bind(node, ApiSettings.from(node.system().settings().config(), Clock.systemUTC())).thenApply(Bound::binding);
  }

  /** A running API: its binding and its parts that tests and the operator look into. */
  record Bound(ServerBinding binding, ApiRoutes routes, KeyRing keys, AccessTokens tokens) {}

  /** Starts serving with explicit settings; tests bind several APIs with their own clocks to one node. */
  static CompletionStage<Bound> bind(WeaveNode node, ApiSettings settings) {
    ObjectMapper mapper = JsonMapping.create();
    KeyRing keys =
        settings.keysFile()
            .map(file -> KeyRing.fromFile(file, settings.clock(), mapper))
            .orElseGet(() -> KeyRing.generated(settings.clock()));
    AccessTokens tokens = new AccessTokens(keys, settings.clock(), settings.tokenLifetime(), settings.clockSkew());
    ApiRoutes routes = ApiRoutes.compose(node, settings, mapper, keys, tokens);
    return Http.get(node.system())
        .newServerAt(settings.host(), settings.port())
        .bind(routes.route())
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(10), node.system()))
        .thenApply(binding -> new Bound(binding, routes, keys, tokens));
  }
}

package org.weltgewebe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.weltgewebe.cluster.HttpServerTelemetry;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.http.auth.AccessTokens;
import org.weltgewebe.http.auth.JetStreamTokenRevocations;
import org.weltgewebe.http.auth.KeyRing;
import org.weltgewebe.http.auth.TokenRevocations;
import org.weltgewebe.http.json.JsonMapping;
import org.weltgewebe.persistence.outbox.NatsSettings;

/**
 * Binds a node's HTTP API on {@code weltgewebe.http.host}:{@code port}: the routes of every
 * resource ({@link ApiRoutes}), authentication with Ed25519 tokens, load shedding, problem
 * responses and the OpenAPI document. See {@code http.conf} for the settings.
 */
public final class HttpApi {
  private HttpApi() {}

  /** Starts serving; the binding is released by CoordinatedShutdown when the node stops. */
  public static CompletionStage<ServerBinding> bind(WeaveNode node) {
    logConnectionCeiling(node);
    return bind(node, ApiSettings.from(node.system().settings().config(), Clock.systemUTC())).thenApply(Bound::binding);
  }

  /**
   * Each open connection (an SSE viewer, say) holds a file descriptor: below Pekko's
   * {@code max-connections}, the process's descriptor limit is the node's real ceiling, so say both.
   */
  private static void logConnectionCeiling(WeaveNode node) {
    int maxConnections = node.system().settings().config().getInt("pekko.http.server.max-connections");
    long descriptors = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
        ? unix.getMaxFileDescriptorCount() : -1;
    if (descriptors >= 0 && descriptors < maxConnections) {
      node.system().log().warn("open connections are capped at {} by the file-descriptor limit (ulimit -n), "
          + "below pekko.http.server.max-connections = {}", descriptors, maxConnections);
    } else {
      node.system().log().info("open connections: at most {} (file-descriptor limit {})", maxConnections, descriptors);
    }
  }

  /** A running API: its binding and its parts that tests and the operator look into. */
  record Bound(ServerBinding binding, ApiRoutes routes, KeyRing keys, AccessTokens tokens) {}

  /** Starts serving with explicit settings; tests bind several APIs with their own clocks to one node. */
  static CompletionStage<Bound> bind(WeaveNode node, ApiSettings settings) {
    KeyRing keys =
        settings.keysFile()
            .map(file -> KeyRing.fromFile(file, settings.clock(), JsonMapping.create()))
            .orElseGet(() -> KeyRing.generated(settings.clock()));
    return bind(node, settings, keys);
  }

  /** Starts serving with {@code keys}; tests give two nodes' APIs one ring, as a keys file would. */
  static CompletionStage<Bound> bind(WeaveNode node, ApiSettings settings, KeyRing keys) {
    ObjectMapper mapper = JsonMapping.create();
    TokenRevocations revocations = revocations(node, settings);
    AccessTokens tokens =
        new AccessTokens(keys, settings.clock(), settings.tokenLifetime(), settings.clockSkew(),
            settings.verifiedTokenCacheSize(), revocations);
    ApiRoutes routes = ApiRoutes.compose(node, settings, mapper, keys, tokens);
    // As bind(handler) would, one request per connection at a time unless pipelining is allowed.
    int parallelism = node.system().settings().config().getInt("pekko.http.server.pipelining-limit");
    return Http.get(node.system())
        .newServerAt(settings.host(), settings.port())
        .bindFlow(HttpServerTelemetry.of(node, settings.host(), settings.port())
            .serve(routes.handler(node.system()), parallelism))
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(10), node.system()))
        .thenApply(binding -> new Bound(binding, routes, keys, tokens));
  }

  /** Revocations shared through JetStream, so a logout on one node is refused on all. */
  private static TokenRevocations revocations(WeaveNode node, ApiSettings settings) {
    try {
      JetStreamTokenRevocations shared = JetStreamTokenRevocations.open(
          NatsSettings.fromConfig(node.system().settings().config()), settings.clock(), settings.tokenLifetime(),
          settings.clockSkew());
      node.system().getWhenTerminated().thenRun(() -> {
        try {
          shared.close();
        } catch (Exception e) {
          node.system().log().debug("closing the revocation watch failed: {}", e.toString());
        }
      });
      return shared;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading the token revocations", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot open the token revocation bucket in JetStream: " + e.getMessage(), e);
    }
  }
}

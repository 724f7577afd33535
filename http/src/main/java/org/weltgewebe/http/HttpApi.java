package org.weltgewebe.http;

import com.typesafe.config.Config;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.weltgewebe.cluster.WeaveNode;

/** Binds a node's HTTP API on {@code weltgewebe.http.host}:{@code port}. */
public final class HttpApi {
  private HttpApi() {}

  /** Starts serving; the binding is released by CoordinatedShutdown when the node stops. */
  public static CompletionStage<ServerBinding> bind(WeaveNode node) {
    Config http = node.system().settings().config().getConfig("weltgewebe.http");
    HealthRoutes health = new HealthRoutes(node.system(), node.database());
    return Http.get(node.system())
        .newServerAt(http.getString("host"), http.getInt("port"))
        .bind(health.route())
        .thenApply(binding -> binding.addToCoordinatedShutdown(java.time.Duration.ofSeconds(10), node.system()));
  }
}

package org.weltgewebe.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;

import com.typesafe.config.Config;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.readmodel.LiveFeedReader;

/** Binds a node's HTTP API on {@code weltgewebe.http.host}:{@code port}. */
public final class HttpApi {
  private HttpApi() {}

  /** Starts serving; the binding is released by CoordinatedShutdown when the node stops. */
  public static CompletionStage<ServerBinding> bind(WeaveNode node) {
    Config http = node.system().settings().config().getConfig("weltgewebe.http");
    Config config = node.system().settings().config();
    HealthRoutes health = new HealthRoutes(node.system(), node.database());
    Route routes = health.route();
    if (config.getBoolean("weltgewebe.outbox.enabled")) {
      LiveFeedReader reader = new LiveFeedReader(NatsSettings.fromConfig(config));
      node.system().getWhenTerminated().thenRun(() -> {
        try {
          reader.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      routes = concat(routes, new LiveFeedRoutes(reader, node.system(), http.getDuration("sse-keep-alive")).route());
    }
    return Http.get(node.system())
        .newServerAt(http.getString("host"), http.getInt("port"))
        .bind(routes)
        .thenApply(binding -> binding.addToCoordinatedShutdown(java.time.Duration.ofSeconds(10), node.system()));
  }
}

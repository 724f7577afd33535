package org.weltgewebe.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command that starts a node shares; each overrides one configuration setting. */
final class NodeOptions {
  @Option(names = "--http-port", description = "HTTP port of the API (default 8080, 0 = any free port).")
  Integer httpPort;

  @Option(names = "--cluster-port", description = "Cluster (Artery) port (default 2551, 0 = any free port).")
  Integer clusterPort;

  @Option(
      names = "--seed-nodes",
      description = "Comma-separated host:port list of seed nodes; none: this node forms its own cluster.")
  String seedNodes;

  @Option(names = "--db-url", description = "JDBC URL of PostgreSQL (default jdbc:postgresql://127.0.0.1:5432/postgres).")
  String dbUrl;

  @Option(names = "--nats-url", description = "NATS server with JetStream (default nats://127.0.0.1:4222).")
  String natsUrl;

  @Option(
      names = "--metrics-port",
      description = "Port of the Prometheus scrape endpoint /metrics (default 9095, 0 = any free port).")
  Integer metricsPort;

  @Option(names = "--run-id", description = "Label every metric series with run_id=<this>, to join them to a scenario run's results.")
  String runId;

  /** The overrides these options stand for. */
  Config overrides() {
    Map<String, Object> values = new HashMap<>();
    putGiven(values, "weltgewebe.http.port", httpPort);
    putGiven(values, "pekko.remote.artery.canonical.port", clusterPort);
    putGiven(values, "weltgewebe.cluster.seed-nodes", seedNodes);
    putGiven(values, "weltgewebe.db.url", dbUrl);
    putGiven(values, "weltgewebe.nats.url", natsUrl);
    putGiven(values, "weltgewebe.metrics.port", metricsPort);
    putGiven(values, "weltgewebe.metrics.run-id", runId);
    return ConfigFactory.parseMap(values);
  }

  /** An option left out overrides nothing: the configuration's own value (or its environment override) stands. */
  private static void putGiven(Map<String, Object> values, String path, Object option) {
    if (option != null) {
      values.put(path, option);
    }
  }
}

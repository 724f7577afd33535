package org.weltgewebe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.weltgewebe.actors.WeaveClock;

/**
 * The configuration of a node: {@code weltgewebe.conf} (which includes the per-concern files) under
 * the given overrides, with the seed-node list and the domain clock derived from it.
 */
public final class NodeConfig {
  /** The actor system name every node of a cluster shares. */
  public static final String SYSTEM_NAME = "weltgewebe";

  private NodeConfig() {}

  /** {@code overrides} on top of the node configuration, seed nodes resolved. */
  public static Config load(Config overrides) {
    // Substitutions such as the journal's ${weltgewebe.db.url} resolve after the overrides are in.
    Config config = ConfigFactory.load(overrides.withFallback(ConfigFactory.parseResourcesAnySyntax("weltgewebe")));
    List<String> seeds = seedNodes(config.getString("weltgewebe.cluster.seed-nodes"));
    if (!seeds.isEmpty()) {
      config =
          config.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
    }
    return config;
  }

  /** The default configuration of a node. */
  public static Config load() {
    return load(ConfigFactory.empty());
  }

  /** {@code host:port,host:port} as Pekko addresses; blank gives none. */
  static List<String> seedNodes(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .map(hostPort -> "pekko://" + SYSTEM_NAME + "@" + hostPort)
        .toList();
  }

  /** The domain clock {@code weltgewebe.clock} describes. */
  public static WeaveClock clock(Config config) {
    Config c = config.getConfig("weltgewebe.clock");
    double compression = c.getDouble("compression");
    String wallStart = c.getString("wall-start");
    String virtualStart = c.getString("virtual-start");
    if (compression == 1.0 && wallStart.isEmpty() && virtualStart.isEmpty()) {
      return WeaveClock.system();
    }
    Instant wall = wallStart.isEmpty() ? Instant.now() : Instant.parse(wallStart);
    Instant virtual = virtualStart.isEmpty() ? wall : Instant.parse(virtualStart);
    return WeaveClock.compressed(wall, virtual, compression, Clock.systemUTC());
  }
}

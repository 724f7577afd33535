package org.weltgewebe.cli;

import java.util.Optional;
import java.util.OptionalDouble;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.scenarios.run.Topology;
import org.weltgewebe.scenarios.topology.ProxiedTopology;
import org.weltgewebe.scenarios.topology.ProxyOverhead;
import picocli.CommandLine.Option;

/**
 * {@code scenario run}'s choice of topology: the node alone, or Caddy in front and PgBouncer behind
 * as in production ({@code deploy/}), with how the proxied run measures their overhead.
 */
final class TopologyOptions {
  /** The topologies a run can have. */
  enum Kind { direct, proxied }

  @Option(names = "--topology", paramLabel = "KIND", defaultValue = "direct",
      description = "direct: the load drives the node, the node PostgreSQL (default); proxied: through Caddy and PgBouncer as deploy/ configures them "
          + "(started as processes of the run), with the proxy's overhead measured in the same run and the edge quota from the cache headers sent; "
          + "see docs/deployment.md. Default ${DEFAULT-VALUE}.")
  Kind kind;

  @Option(names = "--pool-size", paramLabel = "N", description = "Proxied: PgBouncer's server connections (default "
      + ProxiedTopology.DEFAULT_POOL_SIZE + ").")
  Integer poolSize;

  @Option(names = "--overhead-blocks", paramLabel = "N", description = "Proxied: blocks per side of the overhead phase, through Caddy and "
      + "straight to the node, alternating (default 3; 0 skips it).")
  Integer overheadBlocks;

  @Option(names = "--overhead-block", paramLabel = "D", description = "Proxied: length of each overhead block (default 10s).")
  String overheadBlock;

  @Option(names = "--overhead-rate", paramLabel = "RPS", description = "Proxied: request rate of the overhead phase (default: the sustainable rate).")
  Double overheadRate;

  /** Why the options do not fit together, or empty. */
  Optional<String> conflict(boolean target, boolean clusterDriver) {
    if (kind != Kind.proxied) {
      return poolSize != null || overheadBlocks != null || overheadBlock != null || overheadRate != null
          ? Optional.of("--pool-size and --overhead-* belong to --topology proxied")
          : Optional.empty();
    }
    if (target) {
      return Optional.of("--topology proxied starts the node with Caddy and PgBouncer around it; with --target put them in front yourself "
          + "(deploy/caddy/Caddyfile, deploy/pgbouncer/pgbouncer.ini) and drive Caddy's address");
    }
    if (clusterDriver) {
      return Optional.of("--topology proxied measures the HTTP path; --driver cluster bypasses HTTP (use --driver http)");
    }
    if (poolSize != null && poolSize < 1) {
      return Optional.of("--pool-size must be at least 1, got " + poolSize);
    }
    return ProxiedTopology.unavailable();
  }

  /** The topology for a run on {@code database}. */
  Topology topology(DatabaseSettings database) {
    if (kind != Kind.proxied) {
      return Topology.direct();
    }
    ProxyOverhead.Plan standard = ProxyOverhead.Plan.standard();
    ProxyOverhead.Plan plan = new ProxyOverhead.Plan(
        overheadBlocks == null ? standard.blocks() : overheadBlocks,
        overheadBlock == null ? standard.block() : ScenarioCommand.Run.parseDuration(overheadBlock),
        overheadRate == null ? OptionalDouble.empty() : OptionalDouble.of(overheadRate));
    return new ProxiedTopology(database, poolSize == null ? ProxiedTopology.DEFAULT_POOL_SIZE : poolSize, plan);
  }
}

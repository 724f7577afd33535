package org.weltgewebe.scenarios.run;

import java.net.URI;
import java.util.OptionalDouble;

/**
 * The platform a run drives: its API, its metrics endpoint and, when the run can see the process,
 * the CPU it has spent. A run either starts one ({@link PlatformProcess}) or is given one
 * ({@link #remote}).
 */
public interface Platform extends AutoCloseable {

  /** Base URI of the HTTP API. */
  URI api();

  /** The Prometheus scrape endpoint of its node(s). */
  URI metrics();

  /** CPU seconds the platform's processes have used so far; empty when the run cannot see them. */
  OptionalDouble cpuSeconds();

  /** Number of nodes serving the API. */
  int nodes();

  /** True when the run started it (and stops it). */
  boolean startedByRun();

  /**
   * Where a load driver joins the platform's cluster: {@code host:port} of its nodes' cluster
   * (Artery) ports; empty when the run does not know them (a platform it was given).
   */
  default java.util.List<String> clusterSeedNodes() {
    return java.util.List.of();
  }

  /** Stops what the run started; nothing for a platform the run was given. */
  @Override
  void close();

  /** A platform someone else runs at {@code api}, with metrics at {@code metrics}. */
  static Platform remote(URI api, URI metrics) {
    return new Remote(api, metrics);
  }

  /** A platform someone else runs: the run only drives and watches it. */
  record Remote(URI api, URI metrics) implements Platform {
    @Override
    public OptionalDouble cpuSeconds() {
      // a remote node's CPU shows only as the rate Kamon samples; seconds would be a guess
      return OptionalDouble.empty();
    }

    @Override
    public int nodes() {
      return 1;
    }

    @Override
    public boolean startedByRun() {
      return false;
    }

    @Override
    public void close() {}
  }
}

package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a proxied run ({@code scenario run … --topology proxied}) found about the production parts
 * in front of and behind the platform, as {@code reports/<run-id>/topology.json} holds it beside
 * {@code report.json}: Caddy (its version, the upstreams, whether HTTP/3 was offered), PgBouncer
 * (pool mode and size, what its pool saw, a direct-against-pooled query probe), the proxy's
 * overhead measured in the same run (the same request mix through Caddy and straight to the node,
 * in alternating blocks), and the edge quota replayed from the cache headers Caddy actually sent.
 *
 * <p>A separate file rather than a part of {@link RunReport}: only proxied runs have it, and the
 * renderers add its section when it is there. Latencies in milliseconds, rates per second.
 */
public record TopologyReport(
    int schemaVersion,
    String topology,
    Proxy proxy,
    Pooler pooler,
    Overhead overhead,
    CostKpis.MeasuredEdge edge,
    List<String> notes) {

  public static final int SCHEMA_VERSION = 1;
  /** The file name beside report.json. */
  public static final String FILE = "topology.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * Caddy in front: its URL (what the load drove), the node it forwards to, the rendered
   * configuration, whether its HTTPS listener offered HTTP/3 (a UDP socket and an {@code Alt-Svc:
   * h3} answer), the CPU it used and how many requests its access log holds.
   */
  public record Proxy(
      String software,
      String version,
      String configFile,
      String url,
      List<String> upstreams,
      String httpsUrl,
      boolean http3Offered,
      String altSvc,
      double cpuSeconds,
      long loggedRequests) {}

  /**
   * PgBouncer behind the nodes: the pooled URL the nodes used and the direct one the outbox relay
   * and migrations used; its pool during the run (sampled from {@code SHOW POOLS} and {@code SHOW
   * STATS}); and a probe of the same query through it and straight to PostgreSQL, interleaved.
   */
  public record Pooler(
      String software,
      String version,
      String poolMode,
      int poolSize,
      String pooledUrl,
      String directUrl,
      String configFile,
      long transactions,
      long queries,
      double meanTransactionMillis,
      double meanWaitMillis,
      int maxClientsWaiting,
      int maxServerConnections,
      int maxClientConnections,
      Probe probe,
      double cpuSeconds) {}

  /** The same query sent {@code queries} times each way, alternating. */
  public record Probe(String query, int queries, Percentiles direct, Percentiles pooled) {}

  /** Percentiles of one side. */
  public record Percentiles(double p50Millis, double p99Millis, double meanMillis) {}

  /**
   * The proxy's overhead: the run's API mix offered at {@code ratePerSecond} (open model) in
   * {@code blocks} blocks per side, alternating proxied and direct so both see the same machine.
   */
  public record Overhead(
      double ratePerSecond, String rateSource, int blocks, double secondsPerBlock, Side direct, Side proxied, List<RouteOverhead> routes) {}

  /** One side's totals over its blocks; goodput = 2xx answers per second of its blocks. */
  public record Side(long requests, long ok, long shed, long errors, double goodputPerSecond, double p50Millis, double p99Millis) {}

  /** One route on both sides. */
  public record RouteOverhead(
      String method, String route, long directRequests, long proxiedRequests,
      double directP50Millis, double proxiedP50Millis, double directP99Millis, double proxiedP99Millis) {}

  /** Writes {@code dir/topology.json}; returns the file. */
  public Path write(Path dir) {
    return SideReportFile.write(JSON, dir, FILE, this);
  }

  /** The topology report beside a run's report.json, when the run was proxied. */
  public static Optional<TopologyReport> read(Path runDir) {
    return SideReportFile.read(JSON, runDir, FILE, TopologyReport.class, TopologyReport::schemaVersion, SCHEMA_VERSION);
  }
}

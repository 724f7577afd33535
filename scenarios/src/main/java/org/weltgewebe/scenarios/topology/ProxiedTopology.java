package org.weltgewebe.scenarios.topology;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.TopologyReport;
import org.weltgewebe.scenarios.run.Load;
import org.weltgewebe.scenarios.run.LoadContext;
import org.weltgewebe.scenarios.run.Platform;
import org.weltgewebe.scenarios.run.Topology;

/**
 * The production topology around the node a run starts: PgBouncer in transaction mode between the
 * node and PostgreSQL, Caddy between the load and the node, both from the files under {@code
 * deploy/} and started as processes of the run. The journal, read-model and search pools go through
 * PgBouncer (with pgjdbc's prepareThreshold 0); the outbox relay's logical replication connection
 * and the migrations go to PostgreSQL directly, since a transaction pooler cannot carry a
 * replication session. The load and the oracle's SSE watchers drive Caddy.
 *
 * <p>After the load phases it measures what the proxy costs in the same run ({@link ProxyOverhead}:
 * the API mix through Caddy and straight to the node, in alternating blocks) and what PgBouncer adds
 * per query ({@link PoolerProbe}); at the end it replays Caddy's access log for the edge quota
 * ({@link EdgeCacheReplay}) and writes {@code topology.json}, which the rendered reports and
 * {@code cost.json} include.
 */
public final class ProxiedTopology implements Topology {
  /** Server connections PgBouncer keeps per database unless told otherwise (PostgreSQL here has 2 cores). */
  public static final int DEFAULT_POOL_SIZE = 10;
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(2);

  private final DatabaseSettings database;
  private final int poolSize;
  private final ProxyOverhead.Plan overheadPlan;
  private PgBouncerProcess bouncer;
  private CaddyProcess caddy;
  private Platform node;
  private CaddyProcess.Http3 http3;
  private ScheduledExecutorService sampler;
  private java.util.concurrent.ScheduledFuture<?> sampling;
  private final PoolSamples samples = new PoolSamples();
  private TopologyReport.Overhead overhead;
  private TopologyReport.Probe probe;

  /**
   * Around a node on {@code database} (the run's database, reached directly), with {@code poolSize}
   * server connections in PgBouncer and the overhead measured as {@code overheadPlan} says.
   */
  public ProxiedTopology(DatabaseSettings database, int poolSize, ProxyOverhead.Plan overheadPlan) {
    this.database = database.direct();
    this.poolSize = poolSize;
    this.overheadPlan = overheadPlan;
  }

  /** Why this machine cannot run the proxied topology, or empty when it can. */
  public static java.util.Optional<String> unavailable() {
    List<String> missing = new ArrayList<>();
    for (String program : List.of("caddy", "pgbouncer")) {
      if (!ServiceProcess.onPath(program)) {
        missing.add(program);
      }
    }
    return missing.isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of("--topology proxied needs " + String.join(" and ", missing)
            + " (Debian: apt-get install caddy pgbouncer; they run as processes of the run, not as services)");
  }

  @Override
  public String name() {
    return "proxied";
  }

  @Override
  public Platform start(Map<String, String> environment, Function<Map<String, String>, Platform> startNode, Path dir, PrintStream out) {
    Path proxyDir = dir.resolve("proxy");
    bouncer = PgBouncerProcess.start(database, poolSize, proxyDir);
    try {
      out.printf("PgBouncer %s (transaction mode, %d server connections) on 127.0.0.1:%d in front of %s%n",
          PgBouncerProcess.version(), poolSize, bouncer.port(), database.url());
      Map<String, String> env = new HashMap<>(environment);
      DatabaseSettings pooled = bouncer.pooled();
      env.put("WELTGEWEBE_DB_URL", pooled.url());
      env.put("WELTGEWEBE_DB_DIRECT_URL", database.url());
      env.put("WELTGEWEBE_DB_PREPARE_THRESHOLD", String.valueOf(pooled.prepareThreshold()));
      node = startNode.apply(env);
      caddy = CaddyProcess.start(List.of(node.api()), proxyDir);
      http3 = caddy.http3();
      out.printf("Caddy %s at %s (and %s, HTTP/3 %s) in front of the node at %s%n", CaddyProcess.version(), caddy.url(), caddy.httpsUrl(),
          http3.offered() ? "offered" : "not offered", node.api());
      sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgbouncer-sampler");
        t.setDaemon(true);
        return t;
      });
      sampling = sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
      return new Proxied();
    } catch (RuntimeException e) {
      stopAll();
      throw e;
    }
  }

  private void sample() {
    try {
      samples.add(bouncer.pool());
    } catch (java.io.IOException | RuntimeException e) {
      // a missed sample leaves the maximum as it was; the run goes on
    }
  }

  @Override
  public boolean measures() {
    return true;
  }

  @Override
  public void measure(Measure m) {
    double rate = overheadPlan.rate().orElse(m.sustainablePerSecond());
    String source = overheadPlan.rate().isPresent() ? "given (--overhead-rate)" : "the run's sustainable rate, " + m.sustainableSource();
    if (rate > 0 && overheadPlan.blocks() > 0) {
      LoadContext c = m.context();
      LoadContext directContext = new LoadContext(
          node.api(), c.scenario(), c.compression(), c.seed() + 1, c.gatlingResultsDir().resolve("direct"), c.runId(), c.clusterSeedNodes());
      try (Load direct = m.loads().apply(directContext)) {
        overhead = ProxyOverhead.measure(overheadPlan, rate, source, m.load(), direct, m.mix(), m.out());
      }
    }
    probe = PoolerProbe.measure(database, bouncer.pooled(), PoolerProbe.QUERIES, m.out());
  }

  @Override
  public void finish(RunReport report, Path dir, PrintStream out) {
    if (sampling != null) {
      sampling.cancel(false);
    }
    if (sampler != null) {
      sampler.shutdownNow();
    }
    sample();
    PgBouncerProcess.Stats stats;
    try {
      stats = bouncer.stats();
    } catch (java.io.IOException e) {
      stats = new PgBouncerProcess.Stats(0, 0, 0, 0);
      out.println("could not read PgBouncer's statistics: " + e.getMessage());
    }
    Path accessLog = caddy.accessLog();
    var edge = EdgeCacheReplay.replay(accessLog, report.settings().compression());
    List<String> notes = new ArrayList<>();
    if (overhead == null) {
      notes.add("The proxy's overhead was not measured (no sustainable rate, or --overhead-blocks 0).");
    }
    notes.add("Caddy, PgBouncer, the node and the load generator share this machine's cores: the overhead includes their competition for CPU, "
        + "as a proxy on the node's own host would.");
    TopologyReport topology = new TopologyReport(
        TopologyReport.SCHEMA_VERSION,
        name(),
        new TopologyReport.Proxy("Caddy", CaddyProcess.version(), dir.relativize(caddy.config()).toString(), caddy.url().toString(),
            caddy.upstreams().stream().map(URI::toString).toList(), caddy.httpsUrl().toString(), http3.offered(), http3.altSvc(),
            caddy.cpuSeconds().orElse(Double.NaN), EdgeCacheReplay.requestsIn(accessLog)),
        new TopologyReport.Pooler("PgBouncer", PgBouncerProcess.version(), "transaction", poolSize, bouncer.pooled().url(), database.url(),
            dir.relativize(bouncer.config()).toString(), stats.transactions(), stats.queries(),
            stats.transactions() > 0 ? stats.transactionMicros() / 1000.0 / stats.transactions() : 0,
            stats.transactions() > 0 ? stats.waitMicros() / 1000.0 / stats.transactions() : 0,
            samples.maxClientsWaiting, samples.maxServerConnections, samples.maxClients, probe, bouncer.cpuSeconds().orElse(Double.NaN)),
        overhead,
        edge,
        List.copyOf(notes));
    Path file = topology.write(dir);
    out.printf("topology: %s (proxy overhead, PgBouncer, edge quota %s)%n", file,
        edge.hitPercent() == null ? "not measured" : String.format(java.util.Locale.ROOT, "%.1f %% of tile and HTML hits", edge.hitPercent()));
  }

  private void stopAll() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
    if (caddy != null) {
      caddy.close();
    }
    if (node != null) {
      node.close();
    }
    if (bouncer != null) {
      bouncer.close();
    }
  }

  /** The highest figures {@code SHOW POOLS} showed during the run. */
  private static final class PoolSamples {
    volatile int maxClientsWaiting;
    volatile int maxServerConnections;
    volatile int maxClients;

    synchronized void add(PgBouncerProcess.Pool p) {
      maxClientsWaiting = Math.max(maxClientsWaiting, p.clientsWaiting());
      maxServerConnections = Math.max(maxServerConnections, p.serverConnections());
      maxClients = Math.max(maxClients, p.clientsActive() + p.clientsWaiting());
    }
  }

  /** The node behind Caddy: the API is Caddy's, metrics, CPU and cluster are the node's; closing stops all three. */
  private final class Proxied implements Platform {
    @Override
    public URI api() {
      return caddy.url();
    }

    @Override
    public URI metrics() {
      return node.metrics();
    }

    @Override
    public OptionalDouble cpuSeconds() {
      return node.cpuSeconds();
    }

    @Override
    public int nodes() {
      return node.nodes();
    }

    @Override
    public boolean startedByRun() {
      return node.startedByRun();
    }

    @Override
    public List<String> clusterSeedNodes() {
      return node.clusterSeedNodes();
    }

    @Override
    public void close() {
      stopAll();
    }
  }
}

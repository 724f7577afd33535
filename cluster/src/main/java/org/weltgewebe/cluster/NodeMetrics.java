package org.weltgewebe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import kamon.Kamon;
import kamon.prometheus.MetricOverrideReporter;
import kamon.prometheus.PrometheusReporter;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kamon in a node: instrumentation of Pekko, Pekko HTTP and JDBC, JVM and process figures, the
 * platform's own figures ({@link PlatformMetrics}) and the Prometheus scrape endpoint
 * ({@code weltgewebe.metrics}).
 *
 * <p>Kamon is one per JVM, and its Kanela agent can add its interfaces only to classes that load
 * after it attached, so {@link #start} runs before the node's actor system and database exist.
 * Where the JDBC driver's classes loaded earlier, the instrumented connection pool fails every
 * borrow ({@code PgConnection cannot be cast to HasConnectionPoolTelemetry}): a process that wants
 * metrics must start them before it touches PostgreSQL (as {@code weltgewebe serve} does, and the
 * metrics test in a JVM of its own). Several nodes in one JVM (tests) share one Kamon and one
 * endpoint; the last to close stops it.
 */
final class NodeMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeMetrics.class);
  private static final Duration ENDPOINT_WAIT = Duration.ofSeconds(10);
  private static final NodeMetrics OFF = new NodeMetrics(null, Duration.ZERO);

  private static final Object lock = new Object();
  private static int users;

  private final InetSocketAddress endpoint;
  private final Duration interval;
  private volatile PlatformMetrics platform;
  private boolean closed;

  private NodeMetrics(InetSocketAddress endpoint, Duration interval) {
    this.endpoint = endpoint;
    this.interval = interval;
  }

  /** Starts Kamon (unless another node of this JVM already did), or nothing when metrics are off. */
  static NodeMetrics start(Config config) {
    if (!config.getBoolean("weltgewebe.metrics.enabled")) {
      return OFF;
    }
    synchronized (lock) {
      if (users == 0) {
        Config kamon = kamonConfig(config);
        Kamon.init(kamon);
        // Kamon's module factory would add its reporter bare; wrapped, it applies our renames
        // (kamon.prometheus.metric-overrides). The reporter starts the endpoint.
        Kamon.addReporter(
            "prometheus-reporter",
            new MetricOverrideReporter(new PrometheusReporter("kamon.prometheus", kamon), kamon));
      }
      users++;
    }
    InetSocketAddress endpoint = awaitEndpoint();
    log.info("metrics for Prometheus at http://{}:{}/metrics", endpoint.getHostString(), endpoint.getPort());
    return new NodeMetrics(endpoint, config.getDuration("weltgewebe.metrics.interval"));
  }

  /** Kamon's settings: the node configuration, with the environment tags that label every series. */
  static Config kamonConfig(Config config) {
    String runId = config.getString("weltgewebe.metrics.run-id").trim();
    if (runId.isEmpty()) {
      return config;
    }
    return ConfigFactory.parseMap(Map.of("kamon.environment.tags.run_id", runId)).withFallback(config);
  }

  /** Feeds the figures of {@code system}'s platform parts until it terminates, then closes. */
  void watch(ActorSystem<?> system) {
    if (endpoint == null) {
      return;
    }
    platform = PlatformMetrics.start(system, interval);
    system.getWhenTerminated().thenRun(this::close);
  }

  /** Where Prometheus scrapes this node ({@code /metrics} on it); empty when metrics are off. */
  Optional<InetSocketAddress> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  @Override
  public void close() {
    if (endpoint == null) {
      return;
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      PlatformMetrics p = platform;
      if (p != null) {
        p.close();
      }
      if (--users == 0) {
        Kamon.stop();
      }
    }
  }

  private static InetSocketAddress awaitEndpoint() {
    long deadline = System.nanoTime() + ENDPOINT_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<InetSocketAddress> bound = MetricsEndpoint.bound();
      if (bound.isPresent()) {
        return bound.get();
      }
      try {
        Thread.sleep(20); // Kamon starts its reporters on a thread of its own
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new IllegalStateException(
        "the metrics endpoint did not start within " + ENDPOINT_WAIT.toSeconds()
            + " s; is weltgewebe.metrics.port free? (0 picks a free one)");
  }
}

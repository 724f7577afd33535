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
 * Kamon in a node: instrumentation of Pekko and JDBC, JVM and process figures, the platform's own
 * figures ({@link PlatformMetrics}) and the Prometheus scrape endpoint ({@code weltgewebe.metrics}).
 * The HTTP server's series are recorded by {@link HttpServerTelemetry}, not by an instrumentation.
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
    InetSocketAddress endpoint;
    synchronized (lock) {
      if (users == 0) {
        Config kamon = kamonConfig(config);
        Kamon.init(kamon);
        // Kamon's module factory would add its reporter bare; wrapped, it applies our renames
        // (kamon.prometheus.metric-overrides). The reporter starts the endpoint as it is made.
        try {
          Kamon.addReporter(
              "prometheus-reporter",
              new MetricOverrideReporter(new PrometheusReporter("kamon.prometheus", kamon), kamon));
        } catch (Exception e) { // Scala code throws checked exceptions undeclared
          log.error("cannot start the Prometheus reporter: {}", rootCause(e).toString());
        }
        if (MetricsEndpoint.bound().isEmpty()) {
          Kamon.stop();
          throw new IllegalStateException(
              "cannot serve metrics on " + config.getString("weltgewebe.metrics.host") + ":"
                  + config.getInt("weltgewebe.metrics.port")
                  + "; is the port free? (weltgewebe.metrics.port, --metrics-port; 0 picks a free one)");
        }
      }
      users++;
      endpoint = MetricsEndpoint.bound().orElseThrow();
    }
    log.info("metrics for Prometheus at http://{}:{}/metrics", endpoint.getHostString(), endpoint.getPort());
    return new NodeMetrics(endpoint, config.getDuration("weltgewebe.metrics.interval"));
  }

  private static Throwable rootCause(Throwable e) {
    return e.getCause() == null || e.getCause() == e ? e : rootCause(e.getCause());
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
}

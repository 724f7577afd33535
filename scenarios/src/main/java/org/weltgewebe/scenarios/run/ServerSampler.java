package org.weltgewebe.scenarios.run;

import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.persistence.outbox.OutboxStatus;
import org.weltgewebe.reports.RunReport;

/**
 * The server side of a run: scrapes the platform's metrics every few seconds while the load runs
 * (heap, outbox lag, the read-model consumer's backlog) and compares the first scrape with the last
 * (egress and shed counts per route), CPU seconds of the process, and the journal's growth.
 */
final class ServerSampler implements AutoCloseable {
  private static final String HEAP_SUM = "jvm_memory_used_bytes_sum";
  private static final String HEAP_COUNT = "jvm_memory_used_bytes_count";

  private final Platform platform;
  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final OutboxSettings outbox;
  private final ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "server-sampler");
    t.setDaemon(true);
    return t;
  });
  private final Optional<MetricsScrape> first;
  private final OptionalDouble cpuAtStart;
  private final long journalBytesAtStart;
  private final List<Double> heapSamples = new ArrayList<>();
  private volatile MetricsScrape previous;
  private volatile double outboxLagMax = 0;
  private volatile double pendingMax = 0;
  private final Map<String, Double> cpuByPhase = new java.util.LinkedHashMap<>();
  private String phase = "ceiling";
  private double phaseCpuStart;

  // A fixed-delay schedule that runs until its executor is shut down; sample() catches its own failures.
  @SuppressWarnings("FutureReturnValueIgnored")
  ServerSampler(Platform platform, DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    this.platform = platform;
    this.db = db;
    this.nats = nats;
    this.outbox = outbox;
    this.first = MetricsScrape.of(platform.metrics());
    this.previous = first.orElse(null);
    this.cpuAtStart = platform.cpuSeconds();
    this.phaseCpuStart = cpuAtStart.orElse(Double.NaN);
    this.journalBytesAtStart = journalBytes();
    every.scheduleWithFixedDelay(this::sample, 5, 5, TimeUnit.SECONDS);
  }

  private void sample() {
    try {
      MetricsScrape.of(platform.metrics()).ifPresent(now -> {
        MetricsScrape before = previous;
        if (before != null) {
          double count = now.sum(HEAP_COUNT, "region", "heap") - before.sum(HEAP_COUNT, "region", "heap");
          if (count > 0) {
            synchronized (heapSamples) {
              heapSamples.add((now.sum(HEAP_SUM, "region", "heap") - before.sum(HEAP_SUM, "region", "heap")) / count);
            }
          }
        }
        previous = now;
        double lag = now.max("weltgewebe_outbox_lag_seconds");
        if (lag > outboxLagMax) {
          outboxLagMax = lag;
        }
      });
      OutboxStatus status = OutboxStatus.read(db, nats, outbox);
      double pending = status.consumers().stream().mapToDouble(OutboxStatus.ConsumerStatus::numPending).max().orElse(0);
      pendingMax = Math.max(pendingMax, pending);
    } catch (RuntimeException e) {
      // a missed sample leaves a gap in the series; the report's figures say what they were made of
    }
  }

  /** Marks the start of phase {@code name}: CPU used from now on counts to it. */
  synchronized void phase(String name) {
    double now = platform.cpuSeconds().orElse(Double.NaN);
    if (!Double.isNaN(now) && !Double.isNaN(phaseCpuStart)) {
      cpuByPhase.merge(phase, now - phaseCpuStart, Double::sum);
    }
    phase = name;
    phaseCpuStart = now;
  }

  /** The usage between construction and now; {@code eventsPersisted} comes from the oracle. */
  RunReport.ServerUsage usage(long eventsPersisted) {
    every.shutdownNow();
    phase("end");
    Map<String, Double> byPhase;
    synchronized (this) {
      byPhase = Map.copyOf(cpuByPhase);
    }
    Optional<MetricsScrape> last = MetricsScrape.of(platform.metrics());
    OptionalDouble cpuNow = platform.cpuSeconds();
    double cpu = cpuNow.isPresent() && cpuAtStart.isPresent() ? cpuNow.getAsDouble() - cpuAtStart.getAsDouble() : Double.NaN;
    Map<String, Long> egress = new HashMap<>();
    Map<String, Long> shed = new HashMap<>();
    if (first.isPresent() && last.isPresent()) {
      delta(first.get().byRoute("weltgewebe_http_response_bytes_total"), last.get().byRoute("weltgewebe_http_response_bytes_total"), egress);
      delta(first.get().byRoute("weltgewebe_http_shed_requests_total"), last.get().byRoute("weltgewebe_http_shed_requests_total"), shed);
    }
    double heapMax;
    double heapMean;
    synchronized (heapSamples) {
      heapMax = heapSamples.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
      heapMean = heapSamples.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
    double bytesPerMessage = Double.NaN;
    long streamMessages = 0;
    try {
      OutboxStatus status = OutboxStatus.read(db, nats, outbox);
      bytesPerMessage = status.averageMessageBytes();
      streamMessages = status.streamMessages();
    } catch (RuntimeException e) {
      // left NaN: the report shows the stream could not be read
    }
    String source = (platform.startedByRun() ? "process started by the run (CPU from /proc)" : "remote platform (no CPU seconds)")
        + (first.isPresent() ? ", metrics " + platform.metrics() : ", metrics endpoint did not answer")
        + ", journal and stream read directly";
    return new RunReport.ServerUsage(
        cpu, heapMax, heapMean, Map.copyOf(egress), Map.copyOf(shed), eventsPersisted,
        journalBytes() - journalBytesAtStart, bytesPerMessage, streamMessages, outboxLagMax, pendingMax, source, byPhase);
  }

  private static void delta(Map<String, Double> before, Map<String, Double> after, Map<String, Long> into) {
    after.forEach((route, value) -> {
      long d = Math.round(value - before.getOrDefault(route, 0.0));
      if (d > 0) {
        into.put(route, d);
      }
    });
  }

  private long journalBytes() {
    try (java.sql.Connection c = db.connect();
        PreparedStatement s = c.prepareStatement("SELECT pg_total_relation_size('event_journal')");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    every.shutdownNow();
  }

  static URI metricsBeside(URI api, int port) {
    return URI.create(api.getScheme() + "://" + api.getHost() + ":" + port + "/metrics");
  }
}

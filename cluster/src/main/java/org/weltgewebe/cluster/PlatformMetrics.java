package org.weltgewebe.cluster;

import io.nats.client.Connection;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxRelay;
import org.weltgewebe.persistence.outbox.Reconciler;
import org.weltgewebe.persistence.readmodel.ReadModelConsumer;

/**
 * The platform's own figures, read from the live objects every interval and published through
 * Kamon: entities and shards per type in this node's shard regions, the outbox relay, the reconciler and the read-model consumer (on the node that holds the
 * outbox singleton, which alone runs them), and JetStream's streams and consumers (read by that same
 * node, so that a cluster reports them once).
 */
final class PlatformMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PlatformMetrics.class);

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

  private final ActorSystem<?> system;
  private final NatsSettings nats;
  private final ScheduledExecutorService scheduler;
  private final PolledInstruments figures = new PolledInstruments();
  private final JetStreamMetrics jetStream = new JetStreamMetrics(figures);
  private OutboxSingleton.Running lastRunning;
  private Connection connection;
  private boolean jetStreamFailing;
  private volatile boolean closing;

  private PlatformMetrics(ActorSystem<?> system) {
    this.system = system;
    this.nats = NatsSettings.fromConfig(system.settings().config());
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weltgewebe-platform-metrics");
              t.setDaemon(true);
              return t;
            });
  }

  /** Polls every {@code interval} until closed. */
  // The schedule runs until close() shuts the scheduler down; pollSafely catches every failure.
  @SuppressWarnings("FutureReturnValueIgnored")
  static PlatformMetrics start(ActorSystem<?> system, Duration interval) {
    PlatformMetrics metrics = new PlatformMetrics(system);
    metrics.scheduler.scheduleWithFixedDelay(metrics::pollSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return metrics;
  }

  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      if (!closing) {
        log.warn("platform metrics poll failed: {}", e.toString());
      }
    }
  }

  private void poll() {
    Optional<OutboxSingleton.Running> running = OutboxSingleton.runningOn(system);
    figures.gauge(
        "weltgewebe_outbox_singleton_active",
        "1 on the node that runs the outbox relay, read-model consumer and reconciler, else 0",
        running.isPresent() ? 1 : 0);
    sharding();
    running.ifPresent(this::outbox);
    if (running.isPresent()) {
      jetStream();
    } else {
      disconnect();
    }
    figures.sweep();
  }

  // Kamon's pekko_cluster_sharding_region_hosted_entities is a distribution of samples; a gauge of
  // the region's own count is what a dashboard of entities per type and node wants.
  private void sharding() {
    ClusterSharding sharding = ClusterSharding.get(system);
    for (EntityTypeKey<?> type : WeaveNode.ENTITY_TYPES) {
      try {
        ShardRegion.CurrentShardRegionState state =
            AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
                    sharding.shardState(), replyTo -> new GetShardRegionState(type, replyTo), ASK_TIMEOUT, system.scheduler())
                .toCompletableFuture()
                .get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        long entities = state.getShards().stream().mapToLong(shard -> shard.getEntityIds().size()).sum();
        figures.gauge("weltgewebe_sharding_entities", "Entities of a type alive in this node's shard region", entities, "entity_type", type.name());
        figures.gauge("weltgewebe_sharding_shards", "Shards of a type hosted by this node", state.getShards().size(), "entity_type", type.name());
      } catch (ExecutionException | TimeoutException e) {
        log.debug("no shard region state for {}: {}", type.name(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  // A restarted singleton is a new object: identity is what tells a restart.
  @SuppressWarnings("ReferenceEquality")
  private void outbox(OutboxSingleton.Running running) {
    if (running != lastRunning) {
      // The singleton (re)started here: its counters begin at zero, ours go on from where they are.
      figures.rebase("weltgewebe_outbox_");
      figures.rebase("weltgewebe_read_model_");
      lastRunning = running;
    }
    OutboxRelay.Metrics relay = running.relay().metrics();
    figures.gauge("weltgewebe_outbox_lag_events", "Journal events the relay has received but JetStream not yet acknowledged", relay.lagEvents());
    figures.gauge(
        "weltgewebe_outbox_lag_seconds",
        "Time from the journal commit to JetStream's acknowledgement of the last event relayed",
        relay.lastLagMillis() / 1000.0);
    figures.gauge(
        "weltgewebe_outbox_max_lag_seconds",
        "The longest commit-to-acknowledgement time of any event since the relay started",
        relay.maxLagMillis() / 1000.0);
    figures.gauge(
        "weltgewebe_outbox_throughput_events_per_second",
        "Events the relay published per second over the last 10 seconds",
        relay.eventsPerSecond());
    figures.counter("weltgewebe_outbox_published_events", "Events the relay published to JetStream (acknowledged as new)", relay.eventsPublished());
    figures.counter("weltgewebe_outbox_duplicates_dropped", "Re-published events JetStream dropped as duplicates", relay.duplicatesDropped());
    figures.counter("weltgewebe_outbox_transactions_confirmed", "Journal transactions whose position the relay confirmed in its slot", relay.transactionsConfirmed());
    figures.counter("weltgewebe_outbox_relay_sessions", "Relay sessions started (one per connection to PostgreSQL and NATS)", relay.sessions());
    figures.counter("weltgewebe_outbox_relay_failures", "Relay sessions that failed", relay.failures());

    Reconciler.Metrics reconciler = running.reconciler().metrics();
    figures.counter("weltgewebe_outbox_reconciler_runs", "Comparisons of journal and stream", reconciler.runs());
    figures.counter("weltgewebe_outbox_reconciler_gaps_found", "Ranges in which journal and stream differed", reconciler.gapsFound());
    figures.counter("weltgewebe_outbox_reconciler_events_missing", "Journal events found missing from the stream", reconciler.eventsMissing());
    figures.counter("weltgewebe_outbox_reconciler_events_repaired", "Missing events the reconciler published again", reconciler.eventsRepaired());

    ReadModelConsumer.Metrics readModels = running.readModels().metrics();
    String consumer = system.settings().config().getString("weltgewebe.read-models.consumer");
    figures.counter("weltgewebe_read_model_events_applied", "Events applied to the read models", readModels.applied(), "consumer", consumer);
    figures.counter(
        "weltgewebe_read_model_duplicates",
        "Events the read models had applied already (redeliveries, replays)",
        readModels.duplicates(), "consumer", consumer);
    figures.counter("weltgewebe_read_model_batches", "Batches of events applied in one transaction", readModels.batches(), "consumer", consumer);
    figures.counter("weltgewebe_read_model_failures", "Failures of the read-model consumer (it retries)", readModels.failures(), "consumer", consumer);
    figures.counter(
        "weltgewebe_read_model_dead_letters",
        "Events the read-model consumer could not apply and parked in the dead-letter stream",
        running.readModels().deadLettered(), "consumer", consumer);
  }

  private void jetStream() {
    try {
      if (connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
        disconnect();
        connection = nats.connect("weltgewebe-metrics");
      }
      jetStream.poll(connection);
      jetStreamFailing = false;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (!jetStreamFailing && !closing) {
        log.warn("cannot read JetStream figures from {}: {}", nats.url(), e.toString());
        jetStreamFailing = true;
      }
      disconnect();
    }
  }

  private void disconnect() {
    if (connection != null) {
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      connection = null;
    }
  }

  @Override
  public void close() {
    closing = true;
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    figures.clear();
    disconnect();
  }
}

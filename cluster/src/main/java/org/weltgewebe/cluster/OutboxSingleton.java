package org.weltgewebe.cluster;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxRelay;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.persistence.outbox.Reconciler;
import org.weltgewebe.persistence.readmodel.EventDecoder;
import org.weltgewebe.persistence.readmodel.ReadModelConsumer;
import org.weltgewebe.persistence.readmodel.RegionFeed;

/**
 * The parts of the outbox of which exactly one may run in the cluster — the relay (journal →
 * JetStream), the read-model consumer (JetStream → read models and regions) and the periodic
 * reconciler — held by a cluster singleton: when its node leaves or dies, the singleton starts on
 * the oldest remaining node, and the relay resumes from its replication slot, the consumer from its
 * durable JetStream consumer.
 */
final class OutboxSingleton {
  private static final Logger log = LoggerFactory.getLogger(OutboxSingleton.class);

  /** What the singleton runs; {@link PlatformMetrics} reads the live parts on the node that holds it. */
  record Running(OutboxRelay relay, ReadModelConsumer readModels, Reconciler reconciler, AutoCloseable reconciling) {}

  // The singleton's parts per actor system (several nodes may share a JVM in tests).
  private static final Map<ActorSystem<?>, Running> running = new ConcurrentHashMap<>();

  private OutboxSingleton() {}

  /** Starts the singleton (on whichever node is oldest) from this node's configuration. */
  static void init(ActorSystem<?> system, DatabaseSettings db, EventDecoder decoder, RegionFeed regions) {
    Config config = system.settings().config();
    NatsSettings nats = NatsSettings.fromConfig(config);
    OutboxSettings outbox = OutboxSettings.fromConfig(config);
    String consumer = config.getString("weltgewebe.read-models.consumer");
    Duration reconcileEvery = config.getDuration("weltgewebe.outbox.reconcile-every");
    Behavior<Void> behavior =
        Behaviors.<Void>setup(
            context -> {
              OutboxRelay relay = OutboxRelay.start(db, nats, outbox);
              ReadModelConsumer readModels = ReadModelConsumer.start(db, nats, consumer, decoder, regions);
              Reconciler reconciler = new Reconciler(db, nats, outbox);
              AutoCloseable reconciling = reconciler.repairEvery(reconcileEvery);
              log.info("outbox singleton started on {}", system.address());
              Running parts = new Running(relay, readModels, reconciler, reconciling);
              running.put(system, parts);
              return Behaviors.<Void>receive(Void.class)
                  .onSignal(PostStop.class, signal -> stop(system, parts))
                  .build();
            });
    ClusterSingleton.get(system)
        .init(
            SingletonActor.of(
                    Behaviors.supervise(behavior).onFailure(SupervisorStrategy.restartWithBackoff(
                        Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2)),
                    "outbox"));
  }

  /** The singleton's parts if it runs on {@code system}'s node now. */
  static Optional<Running> runningOn(ActorSystem<?> system) {
    return Optional.ofNullable(running.get(system));
  }

  private static Behavior<Void> stop(ActorSystem<?> system, Running running) {
    OutboxSingleton.running.remove(system, running);
    try {
      running.reconciling().close();
    } catch (Exception e) {
      log.warn("reconciler did not stop cleanly", e);
    }
    running.readModels().close();
    running.relay().stop();
    return Behaviors.same();
  }
}

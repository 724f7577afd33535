package org.weltgewebe.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.persistence.privacy.RetentionSweeper;

/**
 * Runs the {@link RetentionSweeper} every {@code weltgewebe.retention.sweep-every} on one node of
 * the cluster (a singleton), on the blocking dispatcher, at the domain clock's time.
 */
final class RetentionSchedule {
  private static final Logger log = LoggerFactory.getLogger(RetentionSchedule.class);

  private enum Tick { INSTANCE }

  private RetentionSchedule() {}

  static void init(ActorSystem<?> system, RetentionSweeper sweeper, WeaveClock clock) {
    Duration every = system.settings().config().getDuration("weltgewebe.retention.sweep-every");
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    Behavior<Tick> schedule =
        Behaviors.withTimers(
            timers -> {
              timers.startTimerWithFixedDelay(Tick.INSTANCE, every);
              return Behaviors.receiveMessage(tick -> {
                CompletableFuture.runAsync(() -> report(sweeper.sweep(clock.now())), blocking)
                    .exceptionally(failure -> {
                      log.warn("retention sweep failed; the next one tries again: {}", failure.toString());
                      return null;
                    });
                return Behaviors.same();
              });
            });
    ClusterSingleton.get(system)
        .init(SingletonActor.of(
            Behaviors.supervise(schedule).onFailure(SupervisorStrategy.restart()), "retention-sweeper"));
  }

  private static void report(List<String> deleted) {
    if (!deleted.isEmpty()) {
      log.info("retention: deleted {} conversations of dissolved knots", deleted.size());
    }
  }
}

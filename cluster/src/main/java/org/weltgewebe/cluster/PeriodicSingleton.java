package org.weltgewebe.cluster;

import java.time.Duration;
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

/**
 * A blocking job one node of the cluster runs every so often: a cluster singleton whose timer
 * starts the job on the blocking dispatcher, never the actor's. A failed run is logged, and the
 * next one tries again.
 */
final class PeriodicSingleton {
  private enum Tick { INSTANCE }

  private PeriodicSingleton() {}

  /**
   * Starts the singleton {@code name} (on whichever node holds it) running {@code job} every
   * {@code every}; {@code what} names the job in the warning {@code log} writes when a run fails.
   */
  static void start(ActorSystem<?> system, String name, Duration every, Runnable job, String what, Logger log) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    Behavior<Tick> periodic =
        Behaviors.withTimers(
            timers -> {
              timers.startTimerWithFixedDelay(Tick.INSTANCE, every);
              return Behaviors.receiveMessage(tick -> {
                CompletableFuture.runAsync(job, blocking)
                    .exceptionally(failure -> {
                      log.warn("{} failed; the next one tries again: {}", what, failure.toString());
                      return null;
                    });
                return Behaviors.same();
              });
            });
    ClusterSingleton.get(system)
        .init(SingletonActor.of(Behaviors.supervise(periodic).onFailure(SupervisorStrategy.restart()), name));
  }
}

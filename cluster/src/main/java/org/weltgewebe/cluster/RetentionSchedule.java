package org.weltgewebe.cluster;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
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

  private RetentionSchedule() {}

  static void init(ActorSystem<?> system, RetentionSweeper sweeper, WeaveClock clock) {
    Duration every = system.settings().config().getDuration("weltgewebe.retention.sweep-every");
    PeriodicSingleton.start(
        system, "retention-sweeper", every, () -> report(sweeper.sweep(clock.now())), "retention sweep", log);
  }

  private static void report(List<String> deleted) {
    if (!deleted.isEmpty()) {
      log.info("retention: deleted {} conversations of dissolved knots", deleted.size());
    }
  }
}

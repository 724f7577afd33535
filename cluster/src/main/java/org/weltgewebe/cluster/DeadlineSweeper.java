package org.weltgewebe.cluster;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.persistence.readmodel.ReadModels;

/**
 * Makes the deadlines that need an event durable across sleep: a cluster singleton that, every
 * {@code weltgewebe.deadlines.sweep-every}, asks the read models for open proposals whose deadline
 * has passed on the domain clock and for standing knots past their dissolution time, and wakes each
 * one ({@link Weave#checkDeadline}, {@link Weave#checkDissolution}). An entity that is awake acts on
 * its own timer; one that was passivated, or whose node restarted or handed it over, has no timer
 * until something wakes it — this does. Waking is idempotent, so an entity woken twice, or by the
 * sweeper and its timer at once, writes its event once. (Fading threads and expiring delegations
 * need no event: they are computed from persisted times whenever they are read.)
 */
final class DeadlineSweeper {
  private static final Logger log = LoggerFactory.getLogger(DeadlineSweeper.class);

  private DeadlineSweeper() {}

  static void init(ActorSystem<?> system, Weave weave, ReadModels readModels, WeaveClock clock) {
    Duration every = system.settings().config().getDuration("weltgewebe.deadlines.sweep-every");
    int batch = system.settings().config().getInt("weltgewebe.deadlines.batch");
    PeriodicSingleton.start(
        system, "deadline-sweeper", every, () -> sweep(weave, readModels, clock, batch), "deadline sweep", log);
  }

  // Blocking (two queries on the read models): runs on the blocking dispatcher, never the actor's.
  private static void sweep(Weave weave, ReadModels readModels, WeaveClock clock, int batch) {
    wakeProposals(weave, readModels.overdueProposals(clock.now(), batch));
    wakeKnots(weave, readModels.overdueKnots(clock.now(), batch));
  }

  private static void wakeProposals(Weave weave, List<String> due) {
    if (!due.isEmpty()) {
      log.info("waking {} proposals past their deadline", due.size());
    }
    due.forEach(proposalId -> weave.checkDeadline(proposalId));
  }

  private static void wakeKnots(Weave weave, List<String> due) {
    if (!due.isEmpty()) {
      log.info("waking {} knots past their dissolution time", due.size());
    }
    due.forEach(knotId -> weave.checkDissolution(knotId));
  }
}

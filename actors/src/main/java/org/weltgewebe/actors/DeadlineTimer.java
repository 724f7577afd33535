package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The one timer an entity keeps for its next deadline (a knot's dissolution, a proposal's
 * settlement): it sends {@code wakeUp} to the entity when its clock shows the deadline.
 *
 * <p>The wait is capped at an hour. A timer far in the future would pin a wrong real-time guess if
 * the clock's compression is reconfigured, and one long-lived timer per idle entity is wasteful to
 * track; an entity woken early checks, finds its time not yet come and sets the timer anew, which is
 * cheap and self-correcting.
 */
final class DeadlineTimer<M> {
  private static final Duration MAX_WAIT = Duration.ofHours(1);

  private final TimerScheduler<M> timers;
  private final WeaveClock clock;
  private final String key;
  private final M wakeUp;

  DeadlineTimer(TimerScheduler<M> timers, WeaveClock clock, String key, M wakeUp) {
    this.timers = timers;
    this.clock = clock;
    this.key = key;
    this.wakeUp = wakeUp;
  }

  /**
   * Wakes the entity when its clock shows {@code deadline}, at once if that has passed; a clock
   * that moves only when told to (a test's) leaves the waking to whoever moves it.
   */
  void wakeAt(Instant deadline) {
    clock.realTimeUntil(deadline).ifPresentOrElse(this::wakeIn, this::cancel);
  }

  /** Wakes the entity after {@code wait} of real time (at most the cap), whatever its clock. */
  void wakeIn(Duration wait) {
    timers.startSingleTimer(key, wakeUp, wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait);
  }

  /** Nothing is due: the entity sleeps until asked. */
  void cancel() {
    timers.cancel(key);
  }
}

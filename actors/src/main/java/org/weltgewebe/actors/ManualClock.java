package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when told to: tests step it across the seven days of fading or
 * dissolution in one call. It schedules nothing ({@link #realTimeUntil} is empty), so the test
 * drives time-dependent checks explicitly and deterministically.
 */
public final class ManualClock implements WeaveClock {
  private final AtomicReference<Instant> now;

  public ManualClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  @Override
  public Instant now() {
    return now.get();
  }

  @Override
  public Optional<Duration> realTimeUntil(Instant instant) {
    return Optional.empty();
  }

  /** Moves the clock forward by {@code step} and returns the new time. */
  public Instant advance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("time does not run backwards: " + step);
    }
    return now.updateAndGet(t -> t.plus(step));
  }
}

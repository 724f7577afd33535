package org.weltgewebe.actors;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The time every time-dependent domain rule reads (fading, dissolution, delegation expiry).
 *
 * <p>Production nodes run on the system clock; a scenario replayed N times faster runs on a
 * {@link #compressed compressed} clock so that seven days of fading pass in 7 d / N; tests step a
 * {@link ManualClock} by hand. Entities schedule their timers through {@link #realTimeUntil}, so a
 * timer fires when the clock they read shows the moment, not when the wall clock does.
 */
public interface WeaveClock {

  /** The current instant on this clock. */
  Instant now();

  /**
   * How long to wait in real time until this clock shows {@code instant}; empty when the clock only
   * moves when told to (then nothing can be scheduled and the owner of the clock drives checks).
   */
  Optional<Duration> realTimeUntil(Instant instant);

  /** The wall clock. */
  static WeaveClock system() {
    return compressed(Instant.EPOCH, Instant.EPOCH, 1.0, Clock.systemUTC());
  }

  /**
   * A clock that runs {@code factor} times faster than the wall clock and showed {@code virtualStart}
   * at wall time {@code wallStart}. Every node given the same three numbers shows the same time.
   */
  static WeaveClock compressed(Instant wallStart, Instant virtualStart, double factor, Clock wall) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("compression factor must be a positive number, got " + factor);
    }
    return new CompressedClock(wallStart, virtualStart, factor, wall);
  }

  /** See {@link WeaveClock#compressed}. */
  record CompressedClock(Instant wallStart, Instant virtualStart, double factor, Clock wall)
      implements WeaveClock {

    @Override
    public Instant now() {
      Duration wallElapsed = Duration.between(wallStart, wall.instant());
      return virtualStart.plus(scale(wallElapsed, factor));
    }

    @Override
    public Optional<Duration> realTimeUntil(Instant instant) {
      Duration virtual = Duration.between(now(), instant);
      return Optional.of(virtual.isNegative() ? Duration.ZERO : scale(virtual, 1.0 / factor));
    }

    private static Duration scale(Duration d, double by) {
      if (by == 1.0) {
        return d;
      }
      double nanos = (double) d.toNanos() * by;
      return Duration.ofNanos((long) Math.max(Long.MIN_VALUE, Math.min(Long.MAX_VALUE, nanos)));
    }
  }
}

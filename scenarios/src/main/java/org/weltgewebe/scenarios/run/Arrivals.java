package org.weltgewebe.scenarios.run;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The arrival times of a request phase: a Poisson process whose rate ramps linearly from {@code
 * fromPerSecond} to {@code toPerSecond} over {@code duration}, handed out in order to whichever of a
 * fixed number of clients is free (see {@link GatlingLoad}: the clients are the connections of a
 * bounded pool). An arrival that is already due when a client claims it waited in the pool's queue
 * for that long: the request is late because every connection was busy, and its latency counts from
 * its arrival, not from when it was sent (no coordinated omission).
 *
 * <p>Thread-safe; the clock is {@link System#nanoTime()} and starts at the first claim.
 */
final class Arrivals {
  private final double fromPerSecond;
  private final double toPerSecond;
  private final long durationNanos;
  private final SplittableRandom random;
  private long origin = -1;
  private double nextOffsetSeconds;
  private long claimed;

  Arrivals(double fromPerSecond, double toPerSecond, Duration duration, SplittableRandom random) {
    if (!(fromPerSecond > 0) || !(toPerSecond > 0)) {
      throw new IllegalArgumentException("arrival rates must be positive, not " + fromPerSecond + " → " + toPerSecond);
    }
    this.fromPerSecond = fromPerSecond;
    this.toPerSecond = toPerSecond;
    this.durationNanos = duration.toNanos();
    this.random = random;
    this.nextOffsetSeconds = exponential() / fromPerSecond;
  }

  /** The next arrival's due time ({@link System#nanoTime()}), or empty once the phase's time is used up. */
  synchronized OptionalLong claim() {
    if (origin < 0) {
      origin = System.nanoTime();
    }
    long offsetNanos = Math.round(nextOffsetSeconds * 1e9);
    if (offsetNanos >= durationNanos) {
      return OptionalLong.empty();
    }
    claimed++;
    double rate = fromPerSecond + (toPerSecond - fromPerSecond) * nextOffsetSeconds * 1e9 / durationNanos;
    nextOffsetSeconds += exponential() / rate;
    return OptionalLong.of(origin + offsetNanos);
  }

  /** Arrivals handed out so far. */
  synchronized long claimed() {
    return claimed;
  }

  private double exponential() {
    return -Math.log(1 - random.nextDouble());
  }
}

package org.weltgewebe.http;

import java.util.function.LongSupplier;

/**
 * A token bucket: holds at most {@code capacity} tokens, gains {@code perSecond} tokens a second,
 * and lets an action through when it can take one. The chat gives every WebSocket connection one
 * (10 messages a second, bursts of 20). Not thread-safe: one connection's messages arrive in order
 * on one stream.
 */
final class TokenBucket {
  private final double capacity;
  private final double perNano;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  TokenBucket(int capacity, double perSecond, LongSupplier nanoTime) {
    if (capacity < 1 || !(perSecond > 0)) {
      throw new IllegalArgumentException("a token bucket needs a capacity >= 1 and a positive rate");
    }
    this.capacity = capacity;
    this.perNano = perSecond / 1_000_000_000.0;
    this.nanoTime = nanoTime;
    this.tokens = capacity;
    this.last = nanoTime.getAsLong();
  }

  /** Takes a token if there is one. */
  boolean tryTake() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) * perNano);
    last = now;
    if (tokens >= 1.0) {
      tokens -= 1.0;
      return true;
    }
    return false;
  }
}

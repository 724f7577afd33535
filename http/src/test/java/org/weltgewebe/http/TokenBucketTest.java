package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final TokenBucket bucket = new TokenBucket(20, 10, now::get);

  @Test
  void aFullBucketLetsABurstOfTwentyThrough() {
    int passed = 0;
    for (int i = 0; i < 25; i++) {
      if (bucket.tryTake()) {
        passed++;
      }
    }
    assertThat(passed).isEqualTo(20);
  }

  @Test
  void itRefillsTenTokensASecondUpToItsCapacity() {
    for (int i = 0; i < 20; i++) {
      bucket.tryTake();
    }
    assertThat(bucket.tryTake()).isFalse();
    now.addAndGet(100_000_000L); // 0.1 s: one token
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isFalse();
    now.addAndGet(60_000_000_000L); // a minute: refilled, but never beyond 20
    int passed = 0;
    while (bucket.tryTake()) {
      passed++;
    }
    assertThat(passed).isEqualTo(20);
  }

  @Test
  void aSteadyTenPerSecondIsNeverRefused() {
    for (int i = 0; i < 20; i++) {
      bucket.tryTake();
    }
    for (int i = 0; i < 100; i++) {
      now.addAndGet(100_000_000L);
      assertThat(bucket.tryTake()).as("message %d at 10/s", i).isTrue();
    }
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new TokenBucket(0, 10, now::get)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(20, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
  }
}

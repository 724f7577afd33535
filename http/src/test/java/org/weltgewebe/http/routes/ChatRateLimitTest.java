package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The chat's rate limit per connection, on a clock the test steps: 10 messages a second, bursts of 20. */
class ChatRateLimitTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final Bucket bucket = ChatRoutes.rateLimit(new TimeMeter() {
    @Override
    public long currentTimeNanos() {
      return now.get();
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }
  });

  @Test
  void aFullBucketLetsABurstOfTwentyThrough() {
    int passed = 0;
    for (int i = 0; i < 25; i++) {
      if (bucket.tryConsume(1)) {
        passed++;
      }
    }
    assertThat(passed).isEqualTo(20);
  }

  @Test
  void itRefillsTenTokensASecondUpToItsCapacity() {
    for (int i = 0; i < 20; i++) {
      bucket.tryConsume(1);
    }
    assertThat(bucket.tryConsume(1)).isFalse();
    now.addAndGet(100_000_000L); // 0.1 s: one token
    assertThat(bucket.tryConsume(1)).isTrue();
    assertThat(bucket.tryConsume(1)).isFalse();
    now.addAndGet(60_000_000_000L); // a minute: refilled, but never beyond 20
    int passed = 0;
    while (bucket.tryConsume(1)) {
      passed++;
    }
    assertThat(passed).isEqualTo(20);
  }

  @Test
  void aSteadyTenPerSecondIsNeverRefused() {
    for (int i = 0; i < 20; i++) {
      bucket.tryConsume(1);
    }
    for (int i = 0; i < 100; i++) {
      now.addAndGet(100_000_000L);
      assertThat(bucket.tryConsume(1)).as("message %d at 10/s", i).isTrue();
    }
  }
}

package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The watch stops a run only when the stream trails the journal and has gained nothing for the bound. */
class ConsistencyWatchTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aStreamThatTrailsButGainsIsNotStuck() {
    ConsistencyWatch watch = new ConsistencyWatch(Duration.ofSeconds(30));
    for (int t = 0; t <= 120; t += 2) {
      // the stream is always 50 events behind, but it moves
      assertThat(watch.check(100L + t * 10L, 50L + t * 10L, t * SECOND)).isEmpty();
    }
  }

  @Test
  void aStreamThatStopsGainingWhileTheJournalGrowsIsStuckAfterTheBound() {
    ConsistencyWatch watch = new ConsistencyWatch(Duration.ofSeconds(30));
    assertThat(watch.check(10, 10, 0)).isEmpty();
    assertThat(watch.check(40, 10, 30 * SECOND)).as("at the bound").isEmpty();
    assertThat(watch.check(45, 10, 32 * SECOND))
        .hasValue("the outbox is stuck: 45 events persisted since the run began, 10 reached JetStream, none for 32 s");
  }

  @Test
  void aQuietRunWhoseStreamHasEverythingIsNotStuck() {
    ConsistencyWatch watch = new ConsistencyWatch(Duration.ofSeconds(30));
    assertThat(watch.check(0, 0, 0)).isEmpty();
    assertThat(watch.check(20, 20, 10 * SECOND)).isEmpty();
    assertThat(watch.check(20, 20, 100 * SECOND)).isEmpty();
  }

  @Test
  void gainingAgainResetsTheClock() {
    ConsistencyWatch watch = new ConsistencyWatch(Duration.ofSeconds(30));
    watch.check(10, 5, 0);
    watch.check(30, 5, 25 * SECOND);
    assertThat(watch.check(40, 6, 28 * SECOND)).isEmpty();
    assertThat(watch.check(60, 6, 50 * SECOND)).isEmpty();
    assertThat(watch.check(70, 6, 59 * SECOND)).isPresent();
  }
}

package org.weltgewebe.cluster.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What workers measure survives the trip to the driver: entries encoded on two workers and added
 * into one tally give the counts and the percentiles of one tally that saw every command itself.
 */
class TallyTest {
  private static final long ORIGIN = 1_700_000_000_000L;

  @Test
  void mergingTwoWorkersEntriesEqualsRecordingEverythingInOne() {
    Tally first = new Tally(ORIGIN);
    Tally second = new Tally(ORIGIN);
    Tally everything = new Tally(ORIGIN);
    SplittableRandom random = new SplittableRandom(3);
    Tally.Outcome[] outcomes = Tally.Outcome.values();
    for (int i = 0; i < 20_000; i++) {
      long due = ORIGIN + random.nextLong(25_000);
      // a long tail: mostly a few ms, now and then seconds
      long micros = random.nextDouble() < 0.02 ? 1_000_000 + random.nextLong(4_000_000) : 500 + random.nextLong(20_000);
      Tally.Outcome outcome = outcomes[random.nextInt(10) < 7 ? 0 : random.nextInt(outcomes.length)];
      String action = random.nextBoolean() ? "REGION_VIEW" : "CONNECT";
      (i % 2 == 0 ? first : second).record("main", action, due, micros, outcome);
      everything.record("main", action, due, micros, outcome);
    }

    Tally merged = new Tally(ORIGIN);
    first.entries().forEach(merged::add);
    second.entries().forEach(merged::add);

    List<Tally.Stats> expected = everything.stats();
    List<Tally.Stats> actual = merged.stats();
    // three 10-s windows of 25 s, two actions
    assertThat(actual).hasSize(6).extracting(Tally.Stats::window).containsOnly(0L, 1L, 2L);
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      Tally.Stats e = expected.get(i);
      Tally.Stats a = actual.get(i);
      assertThat(a.action()).isEqualTo(e.action());
      assertThat(a.window()).isEqualTo(e.window());
      assertThat(List.of(a.ok(), a.refused(), a.timeouts(), a.failures())).isEqualTo(List.of(e.ok(), e.refused(), e.timeouts(), e.failures()));
      for (double p : new double[] {50, 95, 99, 99.9}) {
        assertThat(a.answered().getValueAtPercentile(p)).isEqualTo(e.answered().getValueAtPercentile(p));
        assertThat(a.okLatency().getValueAtPercentile(p)).isEqualTo(e.okLatency().getValueAtPercentile(p));
      }
      assertThat(a.answered().getMaxValue()).isEqualTo(e.answered().getMaxValue());
    }
    assertThat(merged.requests()).isEqualTo(20_000).isEqualTo(everything.requests());
    assertThat(merged.ok()).isEqualTo(everything.ok());
    assertThat(merged.errors()).isEqualTo(everything.errors());
  }

  @Test
  void timeoutsAndFailuresCountButHaveNoLatencyAndRefusalsAreAnswers() {
    Tally tally = new Tally(ORIGIN);
    tally.record("overload", "POST", ORIGIN + 1, 2_000, Tally.Outcome.OK);
    tally.record("overload", "POST", ORIGIN + 2, 9_000, Tally.Outcome.REFUSED);
    tally.record("overload", "POST", ORIGIN + 3, 5_000_000, Tally.Outcome.TIMEOUT);
    tally.record("overload", "POST", ORIGIN + 4, 10, Tally.Outcome.FAILURE);

    Tally.Stats stats = Tally.Stats.sum("overload", -1, "POST", tally.stats());
    assertThat(stats.requests()).isEqualTo(4);
    assertThat(stats.answered().getTotalCount()).isEqualTo(2);
    assertThat(stats.okLatency().getTotalCount()).isEqualTo(1);
    assertThat(stats.answered().getMaxValue()).isBetween(8_990L, 9_010L);
    assertThat(tally.errors()).isEqualTo(2);
    assertThat(tally.ok()).isEqualTo(1);
  }

  @Test
  void aWindowIsTheTenSecondsItsCommandWasDueIn() {
    Tally tally = new Tally(ORIGIN);
    tally.record("main", "LOGIN", ORIGIN + 9_999, 100, Tally.Outcome.OK);
    tally.record("main", "LOGIN", ORIGIN + 10_000, 100, Tally.Outcome.OK);
    tally.record("main", "LOGIN", ORIGIN - 1, 100, Tally.Outcome.OK);
    assertThat(tally.stats()).extracting(Tally.Stats::window).containsExactly(-1L, 0L, 1L);
  }
}

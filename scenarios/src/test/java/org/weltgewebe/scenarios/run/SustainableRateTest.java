package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.RunReport;

/** The probe's sustainable rate, and the arrival schedule the request phases follow. */
class SustainableRateTest {

  private static RunReport.Window window(double offset, long requests, long ok, long errors, double p99) {
    return new RunReport.Window("probe", offset, "*", "*", requests, ok, errors, errors, 1, p99 / 2, p99);
  }

  @Test
  void aWindowPastTheKneeDoesNotCountThoughItAnsweredMore() {
    // the figures of a run here: 1,409 ok/s at p99 27 ms, then the next window queued and shed
    List<RunReport.Window> windows = List.of(
        window(100, 1_701, 1_633, 0, 12.6),
        window(110, 8_168, 7_875, 1, 15.4),
        window(120, 10_195, 9_000, 1_195, 3_540),
        window(130, 16_000, 14_500, 12, 900),
        window(140, 5_665, 5_356, 102, 53.7));
    assertThat(OverloadCheck.sustainableRate(windows, "probe", 750)).hasValue(787.5);
    // the old rule took the window with the most 2xx, whatever its latency
    assertThat(OverloadCheck.sustainableRate(windows, "probe")).isEqualTo(1_450);
  }

  @Test
  void noWindowWithinTheObjectiveGivesNoRate() {
    List<RunReport.Window> windows = List.of(
        window(100, 100, 100, 0, 900), window(110, 200, 200, 0, 900), window(120, 300, 300, 0, 900));
    assertThat(OverloadCheck.sustainableRate(windows, "probe", 750)).isEmpty();
  }

  @Test
  void arrivalsFollowTheRateAndEndWithThePhase() {
    Arrivals arrivals = new Arrivals(1_000, 1_000, Duration.ofSeconds(2), new SplittableRandom(7));
    List<Long> due = new ArrayList<>();
    for (OptionalLong next = arrivals.claim(); next.isPresent(); next = arrivals.claim()) {
      due.add(next.getAsLong());
    }
    // Poisson with mean 2,000: within 5 standard deviations (±224)
    assertThat(due).hasSizeBetween(1_776, 2_224);
    assertThat(due).isSorted();
    assertThat(due.get(due.size() - 1) - due.get(0)).isLessThan(Duration.ofSeconds(2).toNanos());
    assertThat(arrivals.claimed()).isEqualTo(due.size());
    assertThat(arrivals.claim()).isEmpty();
  }

  @Test
  void aRampSendsMostOfItsArrivalsNearItsEnd() {
    Arrivals arrivals = new Arrivals(10, 2_000, Duration.ofSeconds(4), new SplittableRandom(11));
    List<Long> due = new ArrayList<>();
    for (OptionalLong next = arrivals.claim(); next.isPresent(); next = arrivals.claim()) {
      due.add(next.getAsLong());
    }
    long origin = due.get(0);
    long firstHalf = due.stream().filter(t -> t - origin < Duration.ofSeconds(2).toNanos()).count();
    // a linear ramp 10→2,000 over 4 s: about 1,015 arrivals in the first half and 3,005 in the second
    assertThat(due).hasSizeBetween(3_700, 4_340);
    assertThat((double) firstHalf / due.size()).isBetween(0.2, 0.3);
  }
}

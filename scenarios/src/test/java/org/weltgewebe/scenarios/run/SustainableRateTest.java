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
    OverloadCheck.Sustainable tenSeconds = OverloadCheck.probed(List.of(), 10, windows, "probe", 750, 10, 2_000);
    assertThat(tenSeconds.perSecond()).isEqualTo(787.5);
    assertThat(tenSeconds.source()).contains("a whole 10-s window with p99 ≤ 750 ms");
  }

  @Test
  void noWindowWithinTheObjectiveGivesTheHighestGoodputAndSaysSo() {
    List<RunReport.Window> windows = List.of(
        window(100, 100, 100, 0, 900), window(110, 200, 200, 0, 900), window(120, 300, 300, 0, 900));
    OverloadCheck.Sustainable rate = OverloadCheck.probed(List.of(), 10, windows, "probe", 750, 10, 400);
    // the first and last windows are cut by the phase's start and end
    assertThat(rate.perSecond()).isEqualTo(20);
    assertThat(rate.source()).contains("no window kept p99 ≤ 750 ms");
  }

  @Test
  void slidingWindowsFindTheKneeInsideATenSecondWindow() {
    // a ramp through the knee: 2xx at the offered rate up to 700 req/s, then 15 % shed and p99 climbing
    Measurements m = ramp(12, 300, 50, 9, 15);
    List<RunReport.Window> sliding = m.slidingWindows("probe", 2);
    // 12 seconds, the first and last cut: 10 whole ones, 9 windows of two
    assertThat(sliding).hasSize(9);
    assertThat(sliding.get(0).requests()).isEqualTo(350 + 400);
    assertThat(sliding.get(8).requests()).isEqualTo(750 + 800);
    OverloadCheck.Sustainable rate = OverloadCheck.probed(sliding, 2, m.windows(), "probe", 750, 300, 850);
    // the last window within the objective: seconds 7 and 8, 650 + 700 requests, all 2xx
    assertThat(rate.perSecond()).isEqualTo(675);
    assertThat(rate.source()).contains("a 2-s window (sliding by 1 s) with p99 ≤ 750 ms").doesNotContain("lower bound");
    // a ramp that ended before the knee says its rate is only a lower bound
    OverloadCheck.Sustainable early = OverloadCheck.probed(sliding.subList(0, 5), 2, m.windows(), "probe", 750, 300, 600);
    assertThat(early.perSecond()).isEqualTo(575);
    assertThat(early.source()).contains("the rate is a lower bound");
  }

  @Test
  void tenSecondWindowsDoNotCountTheSecondsAnOvershootTakesToQueueUp() {
    // a 30-s ramp 100 → 680 req/s over a knee at 500 (second 20): the two seconds past it still look
    // fine while the queue builds, from second 22 on a fifth is shed and p99 is 900 ms
    Measurements m = ramp(30, 100, 20, 22, 20);
    // 2-s windows count the overshoot: seconds 20 and 21, (500 + 520) / 2
    assertThat(OverloadCheck.probed(m.slidingWindows("probe", 2), 2, m.windows(), "probe", 750, 100, 680).perSecond())
        .isEqualTo(510);
    // 10-s windows: seconds 12 to 21, the mean of 340 … 520
    OverloadCheck.Sustainable rate = OverloadCheck.probed(
        m.slidingWindows("probe", OverloadCheck.KNEE_WINDOW_SECONDS), OverloadCheck.KNEE_WINDOW_SECONDS, m.windows(), "probe", 750, 100, 680);
    assertThat(rate.perSecond()).isEqualTo(430);
    assertThat(rate.source()).contains("a 10-s window (sliding by 1 s)");
  }

  /**
   * A probe's requests, one knot read after another at {@code from + step × second} req/s for
   * {@code seconds}: answered in 5 ms until second {@code pastKnee}, from then on in 900 ms with
   * {@code shedPercent} % of them shed.
   */
  private static Measurements ramp(int seconds, int from, int step, int pastKnee, int shedPercent) {
    Measurements m = new Measurements();
    long origin = 1_000_000L;
    for (int second = 0; second < seconds; second++) {
      int offered = from + step * second;
      boolean over = second >= pastKnee;
      for (int i = 0; i < offered; i++) {
        m.record("probe", "GET", "/knots/{id}", origin + second * 1_000L + i * 1_000L / offered, over ? 900_000 : 5_000,
            over && i % 100 < shedPercent ? 503 : 200, 100, false);
      }
    }
    return m;
  }

  @Test
  void aSecondWithoutRequestsBreaksTheWindowsOverIt() {
    Measurements m = new Measurements();
    long origin = 2_000_000L;
    for (int second : new int[] {0, 1, 2, 4, 5, 6}) {
      m.record("probe", "GET", "/knots/{id}", origin + second * 1_000L, 5_000, 200, 100, false);
    }
    // whole seconds 1, 2, 4, 5: only 1–2 and 4–5 are two seconds long
    assertThat(m.slidingWindows("probe", 2)).hasSize(2).allMatch(w -> w.requests() == 2);
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

package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.CapacityReport.ProcessCpu;
import org.weltgewebe.reports.CapacityReport.ScenarioNeed;
import org.weltgewebe.reports.CapacityReport.Step;

/** What stops one node, read off a capacity search's last step, and what it means for a whole day. */
class CapacityLimitTest {
  private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");
  private static final double WALL = 25;
  private static final RunReport.Latency LAT = new RunReport.Latency(2, 4, 8, 12, 30, 3);
  // S4's peak hour at real time and its whole day of API requests
  private static final ScenarioNeed S4 = new ScenarioNeed("S4", 221.4, 0.33, 1, 1219.1, false, 9_080_190);
  private static final ScenarioNeed S1 = new ScenarioNeed("S1", 2.2, 0.003, 1, 12.1, true, 90_802);

  /** A step of {@code offered} req/s on 2 cores, the host {@code busy} cores busy split as {@code split} (busy cores each). */
  private static Step step(double offered, boolean met, long shed, double busy, double platformCpu, List<String> failures, double... split) {
    long n = Math.round(offered * WALL);
    List<ProcessCpu> processes = split.length == 0 ? List.of() : List.of(
        new ProcessCpu(ProcessCpu.NODE, split[0] * WALL), new ProcessCpu(ProcessCpu.POSTGRESQL, split[1] * WALL),
        new ProcessCpu(ProcessCpu.NATS, split[2] * WALL), new ProcessCpu(ProcessCpu.GENERATOR, split[3] * WALL),
        new ProcessCpu(ProcessCpu.OTHER, split[4] * WALL));
    return new Step(offered, offered, offered, n, n - shed, shed, 0, 0, LAT, platformCpu * WALL, busy * WALL, busy > 0 ? 2 : 0, met,
        failures, List.of(), WALL, false, processes);
  }

  private static CapacityReport search(double ceiling, double sustainable, List<Step> steps) {
    return new CapacityReport(1, "CAP-S1-test", T, T, "S1", "http://127.0.0.1:8080", 1, 2, "vm, 2 cores", "test", ceiling, WALL, steps,
        sustainable, sustainable, 0, "test", 0.6, List.of(S1, S4), "test", "test", 1, 0.5, List.of());
  }

  @Test
  void aSaturatedHostIsTheCpuAndTheSplitNamesTheLargestShareFirst() {
    CapacityReport s = search(2000, 1111.2, List.of(
        step(1111.2, true, 0, 1.7, 1.0, List.of(), 1.0, 0.4, 0.1, 0.15, 0.05),
        step(1555.7, false, 0, 1.96, 1.2, List.of("GET /regions/{cell}: p99 310 ms > 250 ms"), 1.2, 0.45, 0.08, 0.2, 0.03)));
    CapacityLimit limit = CapacityLimit.of(s).orElseThrow();

    assertThat(limit.kind()).isEqualTo(CapacityLimit.Kind.HOST_CPU);
    assertThat(limit.resource()).contains("2 cores");
    assertThat(limit.evidence()).isEqualTo(
        "at 1,555.7 req/s offered the host kept 1.96 of its 2 cores busy: node 1.20, PostgreSQL 0.45, load generator 0.20, NATS 0.08, other 0.03");
    assertThat(limit.sustainablePerSecond()).isEqualTo(1111.2);
    assertThat(limit.brokeAtPerSecond()).isEqualTo(1555.7);
  }

  @Test
  void aRefinedSearchIsReadOffItsLowestRateThatBrokeTwiceNotItsLastRun() {
    Step broke = step(1555.7, false, 0, 1.96, 1.2, List.of("GET /regions/{cell}: p99 310 ms > 250 ms"), 1.2, 0.45, 0.08, 0.2, 0.03);
    Step brokeAgain = step(1555.7, false, 0, 1.95, 1.2, List.of("GET /regions/{cell}: p99 320 ms > 250 ms"), 1.2, 0.45, 0.08, 0.2, 0.02);
    Step middleBrokeOnce = step(1314.8, false, 3, 1.5, 0.9, List.of("POST /knots: availability 99.80 % < 99.95 %"));
    Step middleHeld = step(1314.8, true, 0, 1.8, 1.1, List.of());
    CapacityReport s = search(4000, 1314.8, List.of(step(1111.2, true, 0, 1.7, 1.0, List.of()), broke, brokeAgain, middleBrokeOnce, middleHeld));

    assertThat(s.endingStep()).containsSame(brokeAgain);
    assertThat(CapacityReport.brokenTwice(s.steps())).containsSame(brokeAgain);
    CapacityLimit limit = CapacityLimit.of(s).orElseThrow();
    assertThat(limit.kind()).isEqualTo(CapacityLimit.Kind.HOST_CPU);
    assertThat(limit.brokeAtPerSecond()).isEqualTo(1555.7);
    assertThat(limit.sustainablePerSecond()).isEqualTo(1314.8);
    // a lower rate that broke twice after it is the lower break
    Step lower = step(1208.0, false, 9, 1.6, 1.0, List.of("POST /knots: availability"));
    Step lowerAgain = step(1208.0, false, 8, 1.6, 1.0, List.of("POST /knots: availability"));
    CapacityReport refinedDown = search(4000, 1111.2, List.of(step(1111.2, true, 0, 1.7, 1.0, List.of()), broke, brokeAgain, lower, lowerAgain));
    assertThat(refinedDown.endingStep()).containsSame(lowerAgain);
    // no rate broke twice: the last run ended it (a search that reached --max, or stopped otherwise)
    assertThat(search(4000, 1111.2, List.of(step(1111.2, true, 0, 1.7, 1.0, List.of()), broke)).endingStep()).containsSame(broke);
    assertThat(search(4000, 0, List.of()).endingStep()).isEmpty();
  }

  @Test
  void aWholeDayInSixtyMinutesRunsItsPeakTwentyFourTimesFasterAndTheShortestReplayIsWhatOneNodeCarries() {
    CapacityReport s = search(2000, 1111.2, List.of(step(1555.7, false, 0, 1.96, 1.2, List.of("p99"), 1.2, 0.45, 0.08, 0.2, 0.03)));
    CapacityLimit.DayReplay s4 = CapacityLimit.of(s).orElseThrow().days().get(1);

    assertThat(s4.scenarioId()).isEqualTo("S4");
    assertThat(s4.oneHourPeakPerSecond()).isCloseTo(221.4 * 24, within(1e-9));
    assertThat(s4.timesCapacity()).isCloseTo(221.4 * 24 / 1111.2, within(1e-9)); // 4.78
    assertThat(s4.shortestMinutes()).isCloseTo(1440 * 221.4 / 1111.2, within(1e-9)); // 287 min
    assertThat(s4.nodesForOneHour()).isEqualTo(5);
    assertThat(s4.mixAsMeasured()).isFalse();
    CapacityLimit.DayReplay s1 = CapacityLimit.of(s).orElseThrow().days().get(0);
    assertThat(s1.shortestMinutes()).isLessThan(60);
    assertThat(s1.nodesForOneHour()).isEqualTo(1);

    String md = CapacityLimit.of(s).orElseThrow().markdownSection(s);
    assertThat(md).startsWith("## " + CapacityLimit.TITLE)
        .contains("What stops it: the CPU: this machine's 2 cores")
        .contains("| S4 | 9,080,190 | 221.4 | 5,314 | 4.78× | 287 min | 5 | its mix differs from S1's: run capacity S4 |")
        .contains("| S1 | 90,802 | 2.2 | 53 | 0.05× | fits: 3 min | 1 |  |");
  }

  @Test
  void coresLeftIdleWhileRequestsAreShedIsTheAdmissionLimitAndWithoutShedsAWait() {
    // CAP-S4-20261207-131805's end: 6 searches shed of 14,100 requests broke GET /search's 99.5 %
    String search = "GET /search: availability 99.23 % < 99.50 % (6 shed, 0 5xx, 0 unanswered of 781) (775 answered)";
    CapacityReport shedding = search(2000, 400, List.of(step(564, false, 6, 1.32, 0.72, List.of(search), 0.72, 0.27, 0.06, 0.21, 0.06)));
    CapacityLimit admission = CapacityLimit.of(shedding).orElseThrow();
    assertThat(admission.kind()).isEqualTo(CapacityLimit.Kind.ADMISSION);
    assertThat(admission.evidence()).isEqualTo("at 564.0 req/s offered the host kept 1.32 of its 2 cores busy: node 0.72, PostgreSQL 0.27,"
        + " load generator 0.21, NATS 0.06, other 0.06; 6 of 14,100 requests (0.04 %) were shed with 503: " + search);
    // sheds without a broken availability (a latency objective broke): not the admission limit
    CapacityReport slowWithSheds = search(2000, 400, List.of(step(560, false, 3, 1.1, 0.7, List.of("POST /knots: p95 300 ms > 250 ms"))));
    assertThat(CapacityLimit.of(slowWithSheds).orElseThrow().kind()).isEqualTo(CapacityLimit.Kind.WAIT);

    CapacityReport waiting = search(2000, 400, List.of(step(560, false, 0, 1.1, 0.7, List.of("POST /knots: p99 900 ms > 500 ms"))));
    CapacityLimit wait = CapacityLimit.of(waiting).orElseThrow();
    assertThat(wait.kind()).isEqualTo(CapacityLimit.Kind.WAIT);
    assertThat(wait.evidence()).endsWith("POST /knots: p99 900 ms > 500 ms");
  }

  @Test
  void fromSeventyPercentOfTheCoresBusyTheWaitForACoreIsNamedAndPricedByErlangC() {
    // CAP-S4-bulk0.85-r1's end: writes' p95 broke at 1.52 of 2 cores busy
    CapacityReport contended = search(2000, 566.9, List.of(step(793.7, false, 0, 1.52, 0.78, List.of("POST /knots: p95 283.6 ms > 250 ms"))));
    CapacityLimit limit = CapacityLimit.of(contended).orElseThrow();
    assertThat(limit.kind()).isEqualTo(CapacityLimit.Kind.WAIT);
    assertThat(limit.resource()).isEqualTo("latency: the wait for the cores, before all of them are busy");
    // M/M/2 at ρ = 0.76: C = 2ρ² / (1 + ρ) = 0.656, W_q = C / (2 − 1.52) = 1.37 service times
    assertThat(limit.evidence()).contains("at 76 % busy a request already waits 1.37× its own CPU time for a core on average: M/M/2, Erlang C");
    CapacityReport shedding = search(2000, 566.9, List.of(step(793.7, false, 6, 1.52, 0.78, List.of("GET /search: availability 99.22 % < 99.50 %"))));
    assertThat(CapacityLimit.of(shedding).orElseThrow().resource()).isEqualTo("the node's admission limit, reacting to the wait for the cores");
  }

  @Test
  void nearTheGeneratorsCeilingTheGeneratorIsTheLimitAndANodeThatNeverBrokeHasNoLimitYet() {
    CapacityReport atCeiling = search(1000, 700, List.of(step(950, false, 0, 1.96, 1.2, List.of("p99"))));
    assertThat(CapacityLimit.of(atCeiling).orElseThrow().kind()).isEqualTo(CapacityLimit.Kind.GENERATOR);

    CapacityReport unbroken = search(2000, 1960, List.of(step(1960, true, 0, 1.5, 1.0, List.of())));
    CapacityLimit none = CapacityLimit.of(unbroken).orElseThrow();
    assertThat(none.kind()).isEqualTo(CapacityLimit.Kind.NOT_REACHED);
    assertThat(none.brokeAtPerSecond()).isZero();
  }

  @Test
  void aRemotePlatformsLimitIsNotClaimedForTheCpuOfTheGeneratorsHost() {
    CapacityReport idle = search(2000, 400, List.of(step(560, false, 0, 0.4, 0, List.of("p99"))));
    assertThat(CapacityLimit.of(idle).orElseThrow().kind()).isEqualTo(CapacityLimit.Kind.NOT_MEASURED);
    CapacityReport busy = search(2000, 400, List.of(step(560, false, 0, 1.95, 0, List.of("p99"))));
    assertThat(CapacityLimit.of(busy).orElseThrow().kind()).isEqualTo(CapacityLimit.Kind.GENERATOR);
  }
}

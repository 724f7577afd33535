package org.weltgewebe.scenarios.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.reports.FaultReport;

/** Dip and recovery from per-second goodput around a fault. */
class GoodputDipTest {

  @Test
  void aDipToAQuarterThatComesBackAfterEightSeconds() {
    long[] ok = new long[60];
    Arrays.fill(ok, 20);
    // the fault at second 30: four seconds at 5/s, then full goodput again from second 34
    for (int t = 30; t < 34; t++) {
      ok[t] = 5;
    }

    FaultReport.Dip dip = GoodputDip.of(ok, 30, -1, 60);

    assertThat(dip.preFaultPerSecond()).isEqualTo(20);
    // the lowest 5-s mean covers the four slow seconds and one good one: (4 * 5 + 20) / 5 = 8
    assertThat(dip.lowestPerSecond()).isEqualTo(8);
    assertThat(dip.dipPercent()).isCloseTo(60, within(1e-9));
    // the first 5-s window after the lowest whose mean is at least 18/s starts at second 33: (5 + 4 * 20) / 5 = 17 < 18, at 34: 20
    assertThat(dip.recoverySeconds()).isEqualTo(4.0);
  }

  @Test
  void noDipMeansRecoveryZeroAndNoRecoveryBeforeTheHorizonIsNull() {
    long[] steady = new long[40];
    Arrays.fill(steady, 10);
    steady[25] = 8;
    assertThat(GoodputDip.of(steady, 25, -1, 40).recoverySeconds()).isEqualTo(0.0);

    long[] down = new long[40];
    Arrays.fill(down, 0, 25, 10);
    FaultReport.Dip dip = GoodputDip.of(down, 25, -1, 40);
    assertThat(dip.dipPercent()).isEqualTo(100);
    assertThat(dip.recoverySeconds()).isNull();
  }

  @Test
  void theReferenceStartsAfterThePreviousFaultEndedAndTheTimelineFillsMissingSeconds() {
    List<FaultReport.Point> timeline = List.of(
        new FaultReport.Point(0, 4, 4, 0, 0, 10), new FaultReport.Point(2, 6, 6, 0, 0, 10), new FaultReport.Point(3, 6, 5, 1, 0, 10));
    assertThat(GoodputDip.okPerSecond(timeline)).containsExactly(4, 0, 6, 5);

    long[] ok = new long[50];
    Arrays.fill(ok, 0, 10, 2);     // during an earlier fault
    Arrays.fill(ok, 10, 50, 10);
    // the earlier fault ended at second 10: the reference is seconds 10..24 only, else the 20 s before
    assertThat(GoodputDip.of(ok, 25, 10, 50).preFaultPerSecond()).isEqualTo(10);
    assertThat(GoodputDip.of(ok, 25, -1, 50).preFaultPerSecond()).isEqualTo((5 * 2 + 15 * 10) / 20.0);
    assertThat(GoodputDip.of(ok, 15, -1, 50).preFaultPerSecond()).isCloseTo((10 * 2 + 5 * 10) / 15.0, within(1e-9));
  }
}

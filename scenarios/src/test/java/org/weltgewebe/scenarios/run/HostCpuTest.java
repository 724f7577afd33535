package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The whole machine's busy CPU from /proc/stat, as a capacity step records it. */
class HostCpuTest {
  /** /proc/stat of a 2-CPU machine: user nice system idle iowait irq softirq steal guest guest_nice, in 1/100 s. */
  private static final String PROC_STAT = """
      cpu  101909 0 10223 25474 884 0 403 515 300 0
      cpu0 49909 0 4473 14834 89 0 120 240 150 0
      cpu1 52000 0 5750 10640 794 0 282 275 150 0
      intr 1274028 0 0 0
      ctxt 4209609
      btime 1078711415
      """;

  @Test
  void busyIsTotalLessIdleAndIowaitOverAllCpusAndGuestIsNotCountedTwice() {
    HostCpu h = HostCpu.parse(PROC_STAT).orElseThrow();
    // user + nice + system + irq + softirq + steal = 101909 + 0 + 10223 + 0 + 403 + 515 ticks; guest is inside user
    assertThat(h.busySeconds()).isCloseTo((101909 + 10223 + 403 + 515) / 100.0, within(1e-9));
    assertThat(h.cores()).isEqualTo(2);
  }

  @Test
  void aStepRecordsTheBusyCoresBetweenItsReadingsOverItsActiveTimeOrNothingWhenEitherIsMissing() {
    HostCpu before = new HostCpu(1000, 2);
    HostCpu after = new HostCpu(1037.5, 2);
    // 37.5 busy seconds over 25 s between the readings = 1.5 cores, over the step's 20 active seconds
    assertThat(HostCpu.between(Optional.of(before), Optional.of(after), 25, 20)).isEqualTo(new HostCpu(30, 2));
    // both cores busy throughout: never more than the cores, however short the active part
    HostCpu saturated = HostCpu.between(Optional.of(before), Optional.of(new HostCpu(1060, 2)), 30, 25);
    assertThat(saturated.busySeconds() / 25).isCloseTo(2.0, within(1e-9));
    assertThat(HostCpu.between(Optional.empty(), Optional.of(after), 25, 20)).isEqualTo(HostCpu.NOT_MEASURED);
    assertThat(HostCpu.between(Optional.of(before), Optional.of(after), 0, 20)).isEqualTo(HostCpu.NOT_MEASURED);
    assertThat(HostCpu.NOT_MEASURED.cores()).isZero();
  }

  @Test
  void textWithoutTheCpuLinesIsNotAReading() {
    assertThat(HostCpu.parse("intr 1 2 3\nctxt 4\n")).isEmpty();
    assertThat(HostCpu.parse("cpu  1 2 3 4\n")).isEmpty(); // no cpuN line: the number of cores is unknown
  }

  @Test
  void thisMachineCanBeRead() {
    // on Linux (where the platform runs) the reading exists and counts every CPU
    assumeTrue(Files.isReadable(Path.of("/proc/stat")), "not Linux: no /proc/stat");
    HostCpu now = HostCpu.now().orElseThrow();
    assertThat(now.cores()).isGreaterThanOrEqualTo(1);
    assertThat(now.busySeconds()).isPositive();
  }
}

package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.reports.CapacityReport.ProcessCpu;

/** The host's CPU split by service, from /proc/<pid>/stat, as a capacity step records it. */
class HostProcessesTest {
  private static final long SELF = 700;

  /** A /proc/<pid>/stat line with {@code utime} and {@code stime} ticks (1/100 s); the rest as the kernel writes it. */
  private static void process(Path proc, long pid, String command, long utime, long stime) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(String.valueOf(pid)));
    Files.writeString(dir.resolve("stat"), pid + " (" + command + ") S 1 " + pid + " " + pid + " 0 -1 4194560 1234 0 0 0 "
        + utime + " " + stime + " 0 0 20 0 12 0 1937 2125000000 3456 18446744073709551615\n");
  }

  @Test
  void processesAreCountedByServiceAndTheLoadGeneratorIsThisJvm(@TempDir Path proc) throws IOException {
    process(proc, 101, "postgres", 500, 100);
    process(proc, 102, "postgres", 200, 50);
    process(proc, 200, "nats-server", 300, 30);
    process(proc, SELF, "java", 1000, 200);
    process(proc, 900, "java", 4000, 400); // another JVM (the node): its CPU comes from the platform, not from here
    process(proc, 901, "bash", 10, 10);
    // a command name with a space and a parenthesis, as the kernel allows: only the last ')' ends it
    process(proc, 902, "weird) name", 10, 10);
    Files.createDirectories(proc.resolve("self"));
    Files.writeString(proc.resolve("stat"), "cpu 1 2 3\n");

    HostProcesses read = HostProcesses.read(proc, SELF).orElseThrow();

    assertThat(read.byPid()).containsOnlyKeys(101L, 102L, 200L, SELF);
    assertThat(read.byPid().get(101L)).isEqualTo(new HostProcesses.Sample(ProcessCpu.POSTGRESQL, 6.0));
    assertThat(read.byPid().get(200L)).isEqualTo(new HostProcesses.Sample(ProcessCpu.NATS, 3.3));
    assertThat(read.byPid().get(SELF)).isEqualTo(new HostProcesses.Sample(ProcessCpu.GENERATOR, 12.0));
  }

  @Test
  void aStepSplitsTheHostsBusyCpuByServiceOverItsActiveTimeAndTheRestIsOther() {
    HostProcesses before = new HostProcesses(Map.of(
        101L, new HostProcesses.Sample(ProcessCpu.POSTGRESQL, 10),
        102L, new HostProcesses.Sample(ProcessCpu.POSTGRESQL, 4), // ends within the step: its CPU falls to "other"
        200L, new HostProcesses.Sample(ProcessCpu.NATS, 3),
        SELF, new HostProcesses.Sample(ProcessCpu.GENERATOR, 20)));
    HostProcesses after = new HostProcesses(Map.of(
        101L, new HostProcesses.Sample(ProcessCpu.POSTGRESQL, 16),
        103L, new HostProcesses.Sample(ProcessCpu.POSTGRESQL, 2), // born within the step: all of it counts
        200L, new HostProcesses.Sample(ProcessCpu.NATS, 4),
        SELF, new HostProcesses.Sample(ProcessCpu.GENERATOR, 25)));
    // readings 25 s apart around 20 active seconds: every figure is scaled by 20/25, as the host's is
    HostCpu host = new HostCpu(36, 2); // already over the active 20 s: 1.8 cores
    List<ProcessCpu> split = HostProcesses.between(Optional.of(before), Optional.of(after), 25, host, 25, 20);

    assertThat(split).extracting(ProcessCpu::name)
        .containsExactly(ProcessCpu.NODE, ProcessCpu.POSTGRESQL, ProcessCpu.NATS, ProcessCpu.GENERATOR, ProcessCpu.OTHER);
    assertThat(seconds(split, ProcessCpu.NODE)).isCloseTo(20, within(1e-9));
    assertThat(seconds(split, ProcessCpu.POSTGRESQL)).isCloseTo((6 + 2) * 0.8, within(1e-9));
    assertThat(seconds(split, ProcessCpu.NATS)).isCloseTo(0.8, within(1e-9));
    assertThat(seconds(split, ProcessCpu.GENERATOR)).isCloseTo(4, within(1e-9));
    assertThat(seconds(split, ProcessCpu.OTHER)).isCloseTo(36 - 20 - 6.4 - 0.8 - 4, within(1e-9));
    assertThat(split.stream().mapToDouble(ProcessCpu::cpuSeconds).sum()).isCloseTo(host.busySeconds(), within(1e-9));
  }

  @Test
  void nothingIsSplitWithoutBothReadingsOrTheHostsFigure() {
    HostProcesses one = new HostProcesses(Map.of());
    assertThat(HostProcesses.between(Optional.empty(), Optional.of(one), 1, new HostCpu(2, 2), 10, 10)).isEmpty();
    assertThat(HostProcesses.between(Optional.of(one), Optional.of(one), 1, HostCpu.NOT_MEASURED, 10, 10)).isEmpty();
  }

  @Test
  void onThisMachineTheRunnersOwnJvmIsTheLoadGeneratorAndHasSpentCpu() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs Linux's /proc");
    HostProcesses now = HostProcesses.now().orElseThrow();
    HostProcesses.Sample self = now.byPid().get(ProcessHandle.current().pid());
    assertThat(self).isNotNull();
    assertThat(self.service()).isEqualTo(ProcessCpu.GENERATOR);
    assertThat(self.cpuSeconds()).isPositive();
    // the suite's PostgreSQL runs on this machine (.ci/run starts it): its processes are found by name
    assertThat(now.byPid().values()).extracting(HostProcesses.Sample::service).contains(ProcessCpu.POSTGRESQL);
  }

  private static double seconds(List<ProcessCpu> split, String name) {
    return split.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().cpuSeconds();
  }
}

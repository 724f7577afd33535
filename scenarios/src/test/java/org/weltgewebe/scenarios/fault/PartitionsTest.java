package org.weltgewebe.scenarios.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The kernel really drops a partitioned node's packets: a process in node 1's cgroup connects to
 * node 2's port before the cut, cannot during it (the SYN is dropped, so the connect times out
 * rather than being refused), and can again after the heal; a process outside the cgroups is never
 * affected. Needs root, cgroup v2 and iptables, as the fault runs do.
 */
class PartitionsTest {

  @Test
  void aCutDropsTheNodesPacketsToTheOtherNodesPortUntilHealed() throws Exception {
    Assumptions.assumeTrue(Partitions.unavailable().isEmpty(), () -> Partitions.unavailable().orElse(""));
    try (ServerSocket nodeTwo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket nodeOne = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Partitions partitions = Partitions.create("partitions-test-" + ProcessHandle.current().pid())) {
      Map<Integer, Integer> clusterPorts = Map.of(1, nodeOne.getLocalPort(), 2, nodeTwo.getLocalPort());
      assertThat(connects(partitions.wrap(1), nodeTwo.getLocalPort())).isEqualTo("connected");

      List<String> rules = partitions.cut(1, clusterPorts);

      assertThat(rules).hasSize(2).allSatisfy(r -> assertThat(r).contains("-m cgroup --path").endsWith("-j DROP"));
      assertThat(connects(partitions.wrap(1), nodeTwo.getLocalPort())).isEqualTo("timed out");
      assertThat(connects(partitions.wrap(2), nodeOne.getLocalPort())).isEqualTo("timed out");
      assertThat(connects(List.of(), nodeTwo.getLocalPort())).isEqualTo("connected");
      assertThat(partitions.droppedPackets()).isPositive();

      partitions.heal();

      assertThat(connects(partitions.wrap(1), nodeTwo.getLocalPort())).isEqualTo("connected");
    }
  }

  // bash opens a TCP connection to the port (inside the cgroup the wrapper puts it in) within 3 s, or says why not
  private static String connects(List<String> wrapper, int port) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(List.of("timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo connected"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return p.exitValue() == 124 ? "timed out" : output;
  }
}

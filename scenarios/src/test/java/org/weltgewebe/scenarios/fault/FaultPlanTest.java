package org.weltgewebe.scenarios.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.scenarios.definition.Scenarios;

/** The fault plan's syntax, its defaults and its refusals, and a plan carried in a scenario file. */
class FaultPlanTest {

  @Test
  void theBriefsPlanParsesWithDefaultsAndSpreadsNodeFaultsOverTheCluster() {
    FaultPlan plan = FaultPlan.parse("partition@150s/30s, kill@40s,pause@100s/10s,nats-restart@3m/4s,pg-restart@200s", 3);

    assertThat(plan.faults()).extracting(FaultPlan.Fault::spelled)
        .containsExactly("kill@40s/15s:2", "pause@100s/10s:1", "partition@150s/30s:3", "nats-restart@180s/4s", "pg-restart@200s/5s");
    assertThat(plan.restartsServices()).isTrue();
    assertThat(plan.partitions()).isTrue();
    assertThat(plan.lastEnd()).isEqualTo(Duration.ofSeconds(205));
  }

  @Test
  void withoutServiceFaultsTheRunKeepsItsServicesAndANamedNodeIsTaken() {
    FaultPlan plan = FaultPlan.parse("kill@10s/5s:1,pause@20.5s/3s", 3);

    assertThat(plan.faults()).extracting(FaultPlan.Fault::node).containsExactly(1, 2);
    assertThat(plan.faults().get(1).at()).isEqualTo(Duration.ofMillis(20_500));
    assertThat(plan.restartsServices()).isFalse();
    assertThat(plan.partitions()).isFalse();
  }

  @Test
  void badPlansAreRefusedWithThePartThatIsWrong() {
    assertThatThrownBy(() -> FaultPlan.parse("explode@10s", 3)).hasMessageContaining("unknown fault 'explode'");
    assertThatThrownBy(() -> FaultPlan.parse("kill at 10s", 3)).hasMessageContaining("'kill at 10s' is not KIND@AT");
    assertThatThrownBy(() -> FaultPlan.parse("kill@10s:4", 3)).hasMessageContaining("node 4 is not one of 1..3");
    assertThatThrownBy(() -> FaultPlan.parse("partition@10s", 1)).hasMessageContaining("needs at least 2 nodes");
    assertThatThrownBy(() -> FaultPlan.parse("pg-restart@10s:1", 3)).hasMessageContaining("hits no node");
    assertThatThrownBy(() -> FaultPlan.parse("pause@10s/0s", 3)).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> FaultPlan.parse(" , ", 3)).hasMessageContaining("names no fault");
  }

  @Test
  void aScenarioFileMayCarryAPlanWhichTheDefinitionReaderLeavesAlone(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("S1-faults.json");
    String s1 = new String(Scenarios.class.getClassLoader().getResourceAsStream("org/weltgewebe/scenarios/definitions/S1.json").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    Files.writeString(file, s1.replaceFirst("\\{", "{\n  \"faults\": {\"nodes\": 3, \"plan\": \"kill@40s,pause@100s/10s\"},"));

    assertThat(Scenarios.load(file.toString()).id()).isEqualTo("S1");
    assertThat(FaultPlan.ofScenario(file.toString())).contains(new FaultPlan.FromScenario(3, "kill@40s,pause@100s/10s"));
    assertThat(FaultPlan.ofScenario("S1")).isEmpty();
  }
}

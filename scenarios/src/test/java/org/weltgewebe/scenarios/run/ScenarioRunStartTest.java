package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;

/** What a run checks before it starts anything: here, that its SLO definitions can judge it. */
class ScenarioRunStartTest {
  @Test
  void definitionsThatCannotJudgeTheRunStopItBeforeTheLoadStarts(@TempDir Path dir) throws IOException {
    Path slos = dir.resolve("slos.json");
    Files.writeString(slos, "{\"period_days\": 30, \"slos\": [\n"
        + "  {\"method\": \"POST\", \"route\": \"/roles\", \"availability\": 100, \"p95_ms\": 250, \"p99_ms\": 750, \"critical\": true}\n"
        + "]}\n", StandardCharsets.UTF_8);
    Config config = NodeConfig.load(ConfigFactory.empty());
    RunOptions options = RunOptions.builder("S1", "S1-start", dir.resolve("reports"), DatabaseSettings.fromConfig(config),
            NatsSettings.fromConfig(config), OutboxSettings.fromConfig(config))
        .target(URI.create("http://127.0.0.1:9"))
        .sloDefinitions(slos)
        .build();
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    assertThatThrownBy(() -> ScenarioRun.run(options, context -> {
          throw new AssertionError("the load started with definitions that cannot judge the run");
        }, out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(slos + ": POST /roles: availability 100 % cannot be judged: an availability objective lies above 0 and below 100 %"
            + " (its error budget is 100 % minus it)");
  }
}

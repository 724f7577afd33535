package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.WeaveClock;

class NodeConfigTest {

  @Test
  void aNodeWithoutSeedsFormsItsOwnClusterAndRunsOnTheSystemClock() {
    Config config = NodeConfig.load();
    assertThat(config.getStringList("pekko.cluster.seed-nodes")).isEmpty();
    assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(config.getString("pekko.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
    assertThat(config.getBoolean("pekko.actor.allow-java-serialization")).isFalse();
    assertThat(config.getString("pekko.actor.serialization-bindings.\"org.weltgewebe.actors.WeaveSerializable\""))
        .isEqualTo("jackson-json");
    assertThat(config.getString("pekko.persistence.journal.plugin")).isEqualTo("jdbc-journal");
    assertThat(NodeConfig.clock(config).now()).isBetween(Instant.now().minusSeconds(5), Instant.now().plusSeconds(5));
  }

  @Test
  void seedNodesBecomePekkoAddresses() {
    Config config =
        NodeConfig.load(ConfigFactory.parseString("weltgewebe.cluster.seed-nodes = \"10.0.0.1:2551, 10.0.0.2:2552\""));
    assertThat(config.getStringList("pekko.cluster.seed-nodes"))
        .containsExactly("pekko://weltgewebe@10.0.0.1:2551", "pekko://weltgewebe@10.0.0.2:2552");
  }

  @Test
  void aCompressedClockComesFromItsSettings() {
    Config config =
        NodeConfig.load(
            ConfigFactory.parseString(
                "weltgewebe.clock { compression = 1440, wall-start = \"2026-11-28T12:00:00Z\","
                    + " virtual-start = \"2026-01-01T00:00:00Z\" }"));
    WeaveClock clock = NodeConfig.clock(config);
    Instant expected =
        Instant.parse("2026-01-01T00:00:00Z")
            .plus(Duration.between(Instant.parse("2026-11-28T12:00:00Z"), Instant.now()).multipliedBy(1440));
    assertThat(Duration.between(expected, clock.now()).abs()).isLessThan(Duration.ofMinutes(5));
  }
}

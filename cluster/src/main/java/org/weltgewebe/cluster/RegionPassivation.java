package org.weltgewebe.cluster;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.weltgewebe.actors.Region;

/**
 * When region actors leave memory. A region's picture is a view of the event stream that a
 * starting region loads from the read models, so an idle region can go and come back without loss
 * — but only when such a recovery exists: regions fed in-process (no outbox) would come back empty,
 * so they stay.
 */
final class RegionPassivation {
  private RegionPassivation() {}

  /** Sharding settings for regions: idle passivation after {@code weltgewebe.regions.passivate-after}. */
  static ClusterShardingSettings settings(ActorSystem<?> system, Region.Recovery recovery) {
    ClusterShardingSettings settings = ClusterShardingSettings.create(system);
    Duration idle = passivateAfter(system);
    if (recovery == NO_RECOVERY || idle.isZero()) {
      return settings.withNoPassivationStrategy();
    }
    return settings.withPassivationStrategy(
        settings.passivationStrategySettings().withIdleEntityPassivation(idle));
  }

  /** The recovery of nodes without the event stream, which must not passivate their regions. */
  static final Region.Recovery NO_RECOVERY = Region.Recovery.none();

  private static Duration passivateAfter(ActorSystem<?> system) {
    String value = system.settings().config().getString("weltgewebe.regions.passivate-after").trim();
    if (value.equals("off") || value.equals("0")) {
      return Duration.ZERO;
    }
    return system.settings().config().getDuration("weltgewebe.regions.passivate-after");
  }
}

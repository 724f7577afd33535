package org.weltgewebe.cluster;

import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.weltgewebe.actors.Region;
import org.weltgewebe.persistence.readmodel.RegionFeed;

/** Delivers each region update to the sharded region actor of its cell, wherever it runs. */
final class ShardedRegionFeed implements RegionFeed {
  private final ClusterSharding sharding;

  ShardedRegionFeed(ClusterSharding sharding) {
    this.sharding = sharding;
  }

  @Override
  public void publish(Region.Update update) {
    sharding.entityRefFor(Region.ENTITY_KEY, update.cell()).tell(update);
  }
}

package org.weltgewebe.actors;

/**
 * Where entities report what changed on the map, so the region that covers the place can update
 * its live picture. The cluster delivers each update to the region actor of its cell; tests record
 * them. Delivery is at-most-once here: a region that misses an update is rebuilt by replay.
 */
@FunctionalInterface
public interface RegionFeed {

  /** Hands one update to the region of {@link Region.Update#cell()}. */
  void publish(Region.Update update);

  /** A feed that drops everything, for entities run without regions. */
  static RegionFeed none() {
    return update -> {};
  }
}

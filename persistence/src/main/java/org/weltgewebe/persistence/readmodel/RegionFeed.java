package org.weltgewebe.persistence.readmodel;

import org.weltgewebe.actors.Region;

/**
 * Where the read-model consumer hands the region updates it built from the event stream, so the
 * region that covers the place can update its live picture. The cluster delivers each update to
 * the region actor of its cell. Delivery is at-most-once here: a region that misses an update is
 * rebuilt from the read models when it starts again.
 */
@FunctionalInterface
public interface RegionFeed {

  /** Hands one update to the region of {@link Region.Update#cell()}. */
  void publish(Region.Update update);

  /** A feed that drops everything, for a replay that rebuilds only the read models. */
  static RegionFeed none() {
    return update -> {};
  }
}

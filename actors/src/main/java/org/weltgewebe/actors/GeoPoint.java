package org.weltgewebe.actors;

import java.util.Optional;

/** A WGS84 position in degrees. */
public record GeoPoint(double lat, double lon) implements WeaveSerializable {

  /** Why this position is not on Earth, or empty when it is. */
  public Optional<String> problem() {
    if (!Double.isFinite(lat) || lat < -90 || lat > 90) {
      return Optional.of("latitude must lie in [-90, 90], got " + lat);
    }
    if (!Double.isFinite(lon) || lon < -180 || lon > 180) {
      return Optional.of("longitude must lie in [-180, 180], got " + lon);
    }
    return Optional.empty();
  }
}

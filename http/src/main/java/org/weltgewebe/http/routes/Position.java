package org.weltgewebe.http.routes;

import java.util.Optional;
import org.weltgewebe.actors.GeoPoint;

/**
 * A position in a request body. Its fields are boxed so that a missing {@code lat} is reported as
 * missing instead of silently becoming 0°, which is a real place in the Gulf of Guinea.
 */
record Position(Double lat, Double lon) {
  /** Why {@code position} (named {@code field} in the body) is unusable, or empty when it is fine. */
  static Optional<String> problem(String field, Position position) {
    if (position == null) {
      return Optional.of(field + " is required: {\"lat\": <degrees>, \"lon\": <degrees>}");
    }
    if (position.lat() == null || position.lon() == null) {
      return Optional.of(field + " needs both lat and lon");
    }
    return position.toGeoPoint().problem().map(p -> field + ": " + p);
  }

  GeoPoint toGeoPoint() {
    return new GeoPoint(lat, lon);
  }
}

package org.weltgewebe.actors;

import com.uber.h3core.H3Core;
import com.uber.h3core.util.LatLng;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Where on the H3 grid things live.
 *
 * <p>Regions are H3 cells at resolution {@value #REGION_RESOLUTION} (average hexagon 5.2 km², edge
 * about 1.4 km): a city district, so one map viewport at street zoom touches one to four regions and
 * a region's live picture stays small enough to answer from memory. A role's public position is
 * the centre of its home's cell at resolution {@value #PRIVACY_RESOLUTION} (0.74 km², edge about
 * 0.5 km): snapping, unlike random jitter, cannot be averaged away by repeated looks.
 */
public final class RegionCells {
  /** H3 resolution of a region actor's cell. */
  public static final int REGION_RESOLUTION = 7;
  /** H3 resolution to which a role's home is blurred before it is shown to anyone. */
  public static final int PRIVACY_RESOLUTION = 8;

  private static final H3Core H3 = load();

  private RegionCells() {}

  /** The region cell (H3 address) that holds this point. */
  public static String regionOf(GeoPoint point) {
    return H3.latLngToCellAddress(point.lat(), point.lon(), REGION_RESOLUTION);
  }

  /** The public stand-in for a private position: the centre of its privacy cell. */
  public static GeoPoint blur(GeoPoint exact) {
    String cell = H3.latLngToCellAddress(exact.lat(), exact.lon(), PRIVACY_RESOLUTION);
    return centreOf(cell);
  }

  /** The centre of an H3 cell. */
  public static GeoPoint centreOf(String cell) {
    LatLng c = H3.cellToLatLng(cell);
    return new GeoPoint(c.lat, c.lng);
  }

  /** True when {@code cell} is an H3 address at the region resolution. */
  public static boolean isRegion(String cell) {
    if (cell == null || !cell.matches("[0-9a-fA-F]{15,16}")) {
      return false; // H3 parses the address as hex and throws on anything else
    }
    return H3.isValidCell(cell) && H3.getResolution(cell) == REGION_RESOLUTION;
  }

  /** The shared H3 binding; H3Core is thread-safe. */
  public static H3Core h3() {
    return H3;
  }

  private static H3Core load() {
    try {
      return H3Core.newInstance();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the H3 native library", e);
    }
  }
}

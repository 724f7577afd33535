package org.weltgewebe.http.routes;

import com.uber.h3core.H3Core;
import com.uber.h3core.util.LatLng;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.RegionCells;

/**
 * A map viewport as {@code minLon,minLat,maxLon,maxLat} (the order of GeoJSON and of most map
 * libraries), and the region cells that cover it.
 *
 * <p>H3's polygonToCells returns only the cells whose centre lies in the box, which misses the
 * cells along its edges (and every cell, for a box smaller than one). So the cover also takes the
 * cells of the corners and of points every ~500 m along the edges (well under a region's 1.4 km
 * edge), then their neighbours, and keeps those whose own extent meets the box. The result may
 * hold a cell that only touches the box; the knots are filtered to the box afterwards anyway.
 */
record BoundingBox(double minLon, double minLat, double maxLon, double maxLat) {
  /** Spacing of the edge samples in degrees of latitude (~500 m). */
  private static final double SAMPLE_DEGREES = 0.0045;

  /** The box {@code text} describes, or why it is not one. */
  static Result parse(String text) {
    String[] parts = text.split(",", -1);
    if (parts.length != 4) {
      return Result.problem("bbox must be minLon,minLat,maxLon,maxLat (four numbers), got \"" + text + "\"");
    }
    double[] v = new double[4];
    for (int i = 0; i < 4; i++) {
      try {
        v[i] = Double.parseDouble(parts[i].trim());
      } catch (NumberFormatException e) {
        return Result.problem("bbox value " + (i + 1) + " is not a number: \"" + parts[i] + "\"");
      }
      if (!Double.isFinite(v[i])) {
        return Result.problem("bbox value " + (i + 1) + " is not a finite number");
      }
    }
    BoundingBox box = new BoundingBox(v[0], v[1], v[2], v[3]);
    Optional<String> problem =
        new GeoPoint(box.minLat, box.minLon).problem().or(() -> new GeoPoint(box.maxLat, box.maxLon).problem());
    if (problem.isPresent()) {
      return Result.problem("bbox: " + problem.get());
    }
    if (box.minLon >= box.maxLon || box.minLat >= box.maxLat) {
      return Result.problem("bbox must have minLon < maxLon and minLat < maxLat (boxes across the antimeridian are not supported)");
    }
    return new Result(box, null);
  }

  /** A parsed box or the reason it is none. */
  record Result(BoundingBox box, String problem) {
    static Result problem(String reason) {
      return new Result(null, reason);
    }
  }

  boolean contains(GeoPoint p) {
    return p.lat() >= minLat && p.lat() <= maxLat && p.lon() >= minLon && p.lon() <= maxLon;
  }

  /** Roughly how many region cells the box covers, from its area; cheap, for refusing huge boxes early. */
  double estimatedCells() {
    double kmPerDegree = 111.32;
    double midLat = Math.toRadians((minLat + maxLat) / 2);
    double area = (maxLat - minLat) * kmPerDegree * (maxLon - minLon) * kmPerDegree * Math.cos(midLat);
    return area / RegionCells.h3().getHexagonAreaAvg(RegionCells.REGION_RESOLUTION, com.uber.h3core.AreaUnit.km2);
  }

  /** The region cells that meet this box, sorted. */
  List<String> regionCells() {
    H3Core h3 = RegionCells.h3();
    int res = RegionCells.REGION_RESOLUTION;
    TreeSet<String> seeds = new TreeSet<>();
    List<LatLng> ring =
        List.of(
            new LatLng(minLat, minLon), new LatLng(minLat, maxLon), new LatLng(maxLat, maxLon),
            new LatLng(maxLat, minLon));
    seeds.addAll(h3.polygonToCellAddresses(ring, List.of(), res));
    for (double lat : samples(minLat, maxLat)) {
      seeds.add(h3.latLngToCellAddress(lat, minLon, res));
      seeds.add(h3.latLngToCellAddress(lat, maxLon, res));
    }
    double lonStep = SAMPLE_DEGREES / Math.max(0.01, Math.cos(Math.toRadians(Math.max(Math.abs(minLat), Math.abs(maxLat)))));
    for (double lon : samples(minLon, maxLon, lonStep)) {
      seeds.add(h3.latLngToCellAddress(minLat, lon, res));
      seeds.add(h3.latLngToCellAddress(maxLat, lon, res));
    }
    TreeSet<String> cover = new TreeSet<>();
    for (String seed : seeds) {
      for (String cell : h3.gridDisk(seed, 1)) {
        if (!cover.contains(cell) && meets(h3.cellToBoundary(cell))) {
          cover.add(cell);
        }
      }
    }
    return new ArrayList<>(cover);
  }

  private boolean meets(List<LatLng> boundary) {
    double south = Double.MAX_VALUE, north = -Double.MAX_VALUE, west = Double.MAX_VALUE, east = -Double.MAX_VALUE;
    for (LatLng p : boundary) {
      south = Math.min(south, p.lat);
      north = Math.max(north, p.lat);
      west = Math.min(west, p.lng);
      east = Math.max(east, p.lng);
    }
    return south <= maxLat && north >= minLat && west <= maxLon && east >= minLon;
  }

  private static List<Double> samples(double from, double to) {
    return samples(from, to, SAMPLE_DEGREES);
  }

  private static List<Double> samples(double from, double to, double step) {
    List<Double> points = new ArrayList<>();
    for (double x = from; x < to; x += step) {
      points.add(x);
    }
    points.add(to);
    return points;
  }
}

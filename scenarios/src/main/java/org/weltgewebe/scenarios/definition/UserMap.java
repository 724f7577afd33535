package org.weltgewebe.scenarios.definition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.weltgewebe.actors.RegionCells;

/**
 * Where a scenario's users live: the region cells within the geography's rings, ranked by a
 * seeded shuffle and weighted by its Zipf law (a few hot neighbourhoods carry most traffic, as in
 * real cities). Both load drivers place users with it, so they load the same neighbourhoods and the
 * oracle watches the same hot cells; the in-cluster workers get the ranking and shares as data.
 */
public record UserMap(List<String> cells, List<Double> cumulativeShares) {

  /** The map of {@code g} for {@code seed}: cells hottest first, cumulative shares rising to 1. */
  public static UserMap of(ScenarioDefinition.Geography g, long seed) {
    String centre = RegionCells.h3().latLngToCellAddress(g.centreLat(), g.centreLng(), RegionCells.REGION_RESOLUTION);
    List<String> disk = new ArrayList<>(RegionCells.h3().gridDisk(centre, g.ringSize()));
    Collections.sort(disk);
    Collections.shuffle(disk, new Random(seed));
    double[] cumulative = new double[disk.size()];
    double sum = 0;
    for (int i = 0; i < disk.size(); i++) {
      sum += 1 / Math.pow(i + 1, g.zipfExponent());
      cumulative[i] = sum;
    }
    List<Double> shares = new ArrayList<>();
    for (double c : cumulative) {
      shares.add(c / sum);
    }
    return new UserMap(List.copyOf(disk), List.copyOf(shares));
  }

  /** A cell drawn by heat: {@code u} uniform in [0, 1). */
  public String cellByHeat(double u) {
    for (int i = 0; i < cumulativeShares.size(); i++) {
      if (u <= cumulativeShares.get(i)) {
        return cells.get(i);
      }
    }
    return cells.get(cells.size() - 1);
  }
}

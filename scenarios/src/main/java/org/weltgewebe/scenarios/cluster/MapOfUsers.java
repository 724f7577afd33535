package org.weltgewebe.scenarios.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/**
 * Where a scenario's users live: the region cells within the geography's rings, ranked by a
 * seeded shuffle and weighted by its Zipf law, as the HTTP driver ranks them — so both drivers load
 * the same neighbourhoods and the oracle watches the same hot cells. The workers get the ranking
 * and the cumulative shares as data.
 */
record MapOfUsers(List<String> cells, List<Double> cumulativeShares) {

  static MapOfUsers of(ScenarioDefinition.Geography g, long seed) {
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
    return new MapOfUsers(List.copyOf(disk), List.copyOf(shares));
  }
}

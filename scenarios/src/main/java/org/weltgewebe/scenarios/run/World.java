package org.weltgewebe.scenarios.run;

import java.util.List;
import java.util.SplittableRandom;
import org.weltgewebe.cluster.load.session.Moves;
import org.weltgewebe.cluster.load.session.Population;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.UserMap;

/**
 * What the virtual users of a run share: where they live (H3 cells around the scenario's centre,
 * with a Zipf skew so a few hot neighbourhoods carry most of the traffic, as real cities do) and
 * the {@link Population} of the session model, which both drivers grow from the platform's answers.
 */
final class World {
  private final ScenarioDefinition scenario;
  private final double compression;
  private final UserMap map;
  private final Population population;
  private final Moves moves;

  World(ScenarioDefinition scenario, double compression, long seed) {
    this.scenario = scenario;
    this.compression = compression;
    this.map = UserMap.of(scenario.geography(), seed);
    SplittableRandom placing = new SplittableRandom(seed ^ 0x5DEECE66DL);
    String[] homes = new String[Math.max(1, scenario.monthlyActiveUsers())];
    for (int i = 0; i < homes.length; i++) {
      homes[i] = map.cellByHeat(placing.nextDouble());
    }
    this.population = new Population(homes.length, 0, 1, i -> homes[i], map::cellByHeat);
    this.moves = new Moves(population);
  }

  ScenarioDefinition scenario() {
    return scenario;
  }

  /** Virtual seconds per wall second. */
  double compression() {
    return compression;
  }

  /** The cells users live in, hottest first. */
  List<String> cellsByHeat() {
    return map.cells();
  }

  /** A cell drawn by heat: {@code u} uniform in [0, 1). */
  String cellByHeat(double u) {
    return map.cellByHeat(u);
  }

  Population population() {
    return population;
  }

  Moves moves() {
    return moves;
  }
}

package org.weltgewebe.scenarios.run;

import io.gatling.javaapi.core.Simulation;
import java.util.function.Consumer;

/**
 * The simulation class Gatling instantiates for every phase of a run. Gatling creates simulations
 * by class name with no arguments, so the phase's set-up is handed over in {@link #next}, which
 * {@link GatlingLoad} fills right before it starts Gatling (one phase at a time).
 */
public final class GatlingSimulation extends Simulation {
  /** What the next instance sets up; taken (and cleared) by the constructor. */
  static volatile Consumer<Simulation> next;

  // Gatling constructs simulations by class name only: a static hand-over is the one way in.
  @SuppressWarnings("StaticAssignmentInConstructor")
  public GatlingSimulation() {
    Consumer<Simulation> setUp = next;
    next = null;
    if (setUp == null) {
      throw new IllegalStateException("GatlingSimulation is started by the scenario runner (./weltgewebe scenario run), not on its own");
    }
    setUp.accept(this);
  }
}

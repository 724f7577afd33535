package org.weltgewebe.scenarios.run;

/** The load generators a run can use. */
public final class ScenarioLoads {
  private ScenarioLoads() {}

  /** Gatling in this JVM, driving the platform's HTTP, SSE and WebSocket API. */
  public static Load gatling(ScenarioRun.LoadContext context) {
    throw new UnsupportedOperationException("the Gatling driver lands with the load package");
  }
}

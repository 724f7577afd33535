package org.weltgewebe.scenarios.run;

/** The load generators a run can use. */
public final class ScenarioLoads {
  private ScenarioLoads() {}

  /** The JDK's HTTP client in this JVM, driving the platform's HTTP, SSE and WebSocket API. */
  public static Load http(ScenarioRun.LoadContext context) {
    return new HttpLoad(context);
  }
}

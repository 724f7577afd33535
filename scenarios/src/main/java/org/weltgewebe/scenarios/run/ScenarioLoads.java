package org.weltgewebe.scenarios.run;

/** The load generators a run can use. */
public final class ScenarioLoads {
  private ScenarioLoads() {}

  /** The Gatling generator's ceiling against the platform at {@code api} (see {@link Load#ceiling}). */
  public static double ceiling(java.net.URI api, java.time.Duration duration) {
    LoadContext context = new LoadContext(
        api, org.weltgewebe.scenarios.definition.Scenarios.load("S1"), 1, 1, java.nio.file.Path.of("reports", "ceiling", "gatling"), "ceiling");
    try (Load load = gatling(context)) {
      return load.ceiling(duration);
    }
  }

  /** The Gatling engine in this JVM, driving the platform's HTTP, SSE and WebSocket API. */
  public static Load gatling(LoadContext context) {
    return new GatlingLoad(context);
  }
}

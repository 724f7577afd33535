package org.weltgewebe.scenarios.run;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/**
 * What a load driver is handed: where, what, how fast, where Gatling keeps its report, and where an
 * in-cluster driver joins the platform's cluster (empty when the run does not know).
 */
public record LoadContext(
    URI api, ScenarioDefinition scenario, double compression, long seed, Path gatlingResultsDir, String runId,
    List<String> clusterSeedNodes) {
  public LoadContext {
    clusterSeedNodes = List.copyOf(clusterSeedNodes);
  }

  /** A context without cluster seed nodes, for a driver that only needs the API. */
  public LoadContext(URI api, ScenarioDefinition scenario, double compression, long seed, Path gatlingResultsDir, String runId) {
    this(api, scenario, compression, seed, gatlingResultsDir, runId, List.of());
  }
}

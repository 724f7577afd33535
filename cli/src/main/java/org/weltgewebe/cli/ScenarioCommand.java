package org.weltgewebe.cli;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.Callable;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.scenarios.SmokeScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code weltgewebe scenario …}: replays traffic against the platform. */
@Command(
    name = "scenario",
    mixinStandardHelpOptions = true,
    description = "Run traffic scenarios against the platform.",
    subcommands = {ScenarioCommand.Run.class})
final class ScenarioCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code weltgewebe scenario run NAME}. */
  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = {
        "Start a node (with an embedded PostgreSQL when none answers at the configured URL), run the",
        "scenario against it, print what was persisted and stop the node. Scenarios: smoke."
      })
  static final class Run implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "The scenario to run: smoke.")
    String scenario;

    @Mixin NodeOptions node;

    @Override
    public Integer call() {
      if (!"smoke".equalsIgnoreCase(scenario)) {
        System.err.println("unknown scenario '" + scenario + "'; known: smoke");
        return 2;
      }
      var overrides =
          node.overrides()
              .withFallback(ConfigFactory.parseString("weltgewebe.db.embedded-fallback = true\n"
                  + "pekko.remote.artery.canonical.port = 0\n"
                  // beside a running `serve`, which holds 9095; --metrics-port names one
                  + "weltgewebe.metrics.port = 0"));
      try (WeaveNode weaveNode = WeaveNode.start(overrides)) {
        SmokeScenario.runOn(weaveNode, System.out);
      }
      return 0;
    }
  }
}

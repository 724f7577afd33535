package org.weltgewebe.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.weltgewebe.persistence.readmodel.ReadModelRebuild;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weltgewebe readmodels …}: maintenance of the read models. */
@Command(
    name = "readmodels",
    mixinStandardHelpOptions = true,
    description = "Maintain the read models built from the event stream.",
    subcommands = {ReadModelsCommand.Rebuild.class})
final class ReadModelsCommand extends CommandGroup {
  /** {@code weltgewebe readmodels rebuild}. */
  @Command(
      name = "rebuild",
      mixinStandardHelpOptions = true,
      description = {
        "Repair the stream from the journal, drop every read model and rebuild it from the stream;",
        "prints how long it took."
      })
  static final class Rebuild implements Callable<Integer> {
    @Mixin NodeOptions node;

    @Override
    public Integer call() throws Exception {
      try (ToolContext tool = new ToolContext(node.overrides())) {
        String consumer = tool.config.getString("weltgewebe.read-models.consumer");
        ReadModelRebuild.Result result =
            ReadModelRebuild.run(tool.db, tool.nats, tool.outbox, consumer, tool.decoder(), Duration.ofSeconds(60));
        System.out.printf(
            "stream repaired first: %d events re-published%n", result.repair().republished());
        System.out.printf(
            "read models rebuilt from the stream: %d events applied in %.1f s%n",
            result.eventsApplied(), result.took().toMillis() / 1000.0);
        return 0;
      }
    }
  }
}

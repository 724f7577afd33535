package org.weltgewebe.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.weltgewebe.reports.DrReport;
import org.weltgewebe.scenarios.dr.DrDrill;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weltgewebe dr …}: disaster recovery. */
@Command(
    name = "dr",
    mixinStandardHelpOptions = true,
    description = "Disaster recovery: the quarterly drill.",
    subcommands = {DrCommand.Drill.class})
final class DrCommand extends CommandGroup {
  /** {@code weltgewebe dr drill}. */
  @Command(
      name = "drill",
      mixinStandardHelpOptions = true,
      description = {
        "Run the DR drill on real processes here: a primary PostgreSQL with a streaming replica (PostgreSQL 15",
        "binaries, WELTGEWEBE_PG_BIN), a private nats-server and the platform under write load; kill the primary,",
        "promote the replica, remove ghost events, restart the platform on it (outbox rebuilt from a new slot),",
        "reconcile the stream, rebuild the read models, verify. Writes reports/<drill-id>/dr-report.json and .html.",
        "Exit code 0 when stream and read models equal the promoted journal; 1 otherwise."
      })
  static final class Drill implements Callable<Integer> {
    @Option(names = "--writers", defaultValue = "8", description = "Concurrent writers (register, tie knots, connect) [${DEFAULT-VALUE}].")
    int writers;

    @Option(names = "--load", defaultValue = "30s", description = "Writing before the primary is killed [${DEFAULT-VALUE}].")
    String load;

    @Option(names = "--after", defaultValue = "15s", description = "Writing after recovery, before the verification [${DEFAULT-VALUE}].")
    String after;

    @Option(names = "--pause", defaultValue = "20ms", description = "Each writer's pause between writes [${DEFAULT-VALUE}].")
    String pause;

    @Option(names = "--reports-dir", defaultValue = "reports", description = "Where the drill's report directory goes [${DEFAULT-VALUE}].")
    Path reportsDir;

    @Option(names = "--keep-data", description = "Keep the servers' data directories (printed) for inspection.")
    boolean keepData;

    @Override
    public Integer call() throws Exception {
      DrDrill.Settings settings =
          new DrDrill.Settings(
              ServeCommandLine.thisProgram(), reportsDir, writers, duration("--load", load), duration("--after", after),
              duration("--pause", pause), keepData);
      DrDrill.Outcome outcome;
      try {
        outcome = new DrDrill(settings, line -> System.out.println("dr: " + line)).run();
      } catch (IllegalStateException e) {
        System.err.println("dr drill: " + e.getMessage());
        return 2;
      }
      DrReport r = outcome.report();
      System.out.printf(
          "RPO: %d of %d acknowledged writes lost; RTO: %.1f s; ghost events: %d; stream = journal: %s; read models = journal: %s%n",
          r.figures().lostAcknowledgedWrites(), r.figures().acknowledgedWritesBeforeKill(), r.figures().rtoSeconds(),
          r.figures().ghostEvents(), r.checks().streamEqualsJournal(), r.checks().readModelsEqualJournal());
      System.out.println(outcome.json());
      System.out.println(outcome.html());
      return r.passed() ? 0 : 1;
    }

    private static Duration duration(String option, String text) {
      try {
        return com.typesafe.config.ConfigFactory.parseString("d = " + text).getDuration("d");
      } catch (RuntimeException e) {
        throw new picocli.CommandLine.ParameterException(
            new picocli.CommandLine(new Drill()), option + " " + text + " is no duration: write e.g. 30s or 2m");
      }
    }
  }
}

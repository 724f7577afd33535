package org.weltgewebe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one command line of the platform: {@code ./weltgewebe <command>}. */
@Command(
    name = "weltgewebe",
    mixinStandardHelpOptions = true,
    version = "weltgewebe 0.1.0",
    description = "The Weltgewebe simulation and load platform.",
    subcommands = {
      ServeCommand.class,
      ScenarioCommand.class,
      OutboxCommand.class,
      ReadModelsCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Weltgewebe implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("serve")) {
      // A node logs for machines: JSON lines at INFO, unless the environment says otherwise. Set
      // before the first logger exists, since logback reads them when it starts.
      defaultLogging("WELTGEWEBE_LOG_FORMAT", "JSON");
      defaultLogging("WELTGEWEBE_LOG_LEVEL", "INFO");
    }
    System.exit(new CommandLine(new Weltgewebe()).execute(args));
  }

  private static void defaultLogging(String variable, String value) {
    if (System.getenv(variable) == null && System.getProperty(variable) == null) {
      System.setProperty(variable, value);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

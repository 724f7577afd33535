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
      CommandLine.HelpCommand.class
    })
public final class Weltgewebe implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Weltgewebe()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

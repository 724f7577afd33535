package org.weltgewebe.cli;

import org.weltgewebe.persistence.ServiceProblem;
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
      DrCommand.class,
      AuditCommand.class,
      GdprCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Weltgewebe extends CommandGroup {

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("serve")) {
      // A node logs for machines: JSON lines at INFO, unless the environment says otherwise. Set
      // before the first logger exists, since logback reads them when it starts.
      defaultLogging("WELTGEWEBE_LOG_FORMAT", "JSON");
      defaultLogging("WELTGEWEBE_LOG_LEVEL", "INFO");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line, set up so that every command fails alike: one line on standard error that
   * names the problem (and, for a {@link ServiceProblem}, the fix), exit code 2, no stack trace.
   * {@code WELTGEWEBE_DEBUG=true} prints the trace as well.
   */
  static CommandLine commandLine() {
    return new CommandLine(new Weltgewebe()).setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println(commandLine.getCommandName() + ": " + oneLine(e));
      if ("true".equalsIgnoreCase(System.getenv("WELTGEWEBE_DEBUG"))) {
        e.printStackTrace(commandLine.getErr());
      }
      return 2;
    });
  }

  /** The message of {@code e}, or of the first cause that has one, on one line. */
  static String oneLine(Throwable e) {
    if (e instanceof ServiceProblem) {
      return e.getMessage();
    }
    Throwable t = e;
    while (t != null) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        String message = t.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
        return t == e ? message : message + " (" + t.getClass().getSimpleName() + ")";
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    return e.getClass().getName();
  }

  private static void defaultLogging(String variable, String value) {
    if (System.getenv(variable) == null && System.getProperty(variable) == null) {
      System.setProperty(variable, value);
    }
  }
}

package org.weltgewebe.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts this very program again as {@code serve} — same Java, same class
 * path — for commands that start the platform as a process of their own, so that its CPU time is
 * its own and not the load generator's.
 */
final class ServeCommandLine {
  private ServeCommandLine() {}

  static List<String> thisProgram() {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // see ./weltgewebe: Pekko's callbacks need a common pool of more than one thread on 2 cores
    command.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism=4");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Weltgewebe.class.getName());
    command.add("serve");
    return command;
  }
}

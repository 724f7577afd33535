package org.weltgewebe.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The command line run in this JVM with its standard output and error captured, for the tests of commands. */
final class InProcessCli {
  private InProcessCli() {}

  /** What a command printed and answered, and how long it took. */
  record Outcome(int exitCode, String out, String err, Duration took) {}

  /** Runs {@code args} as {@code weltgewebe} would; one at a time, since standard output and error are the JVM's. */
  static synchronized Outcome cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    long started = System.nanoTime();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Weltgewebe.commandLine().execute(args);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), took);
  }
}

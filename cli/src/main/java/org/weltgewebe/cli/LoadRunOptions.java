package org.weltgewebe.cli;

import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command that drives load and judges it shares: which platform, where its report goes, its seed and its SLOs. */
final class LoadRunOptions {
  @Option(names = "--target", paramLabel = "URL", description = "Drive a platform that is already running at URL instead of starting one.")
  URI target;

  @Option(names = "--reports-dir", paramLabel = "DIR", defaultValue = "reports", description = "Where reports/<run-id>/ goes (default ${DEFAULT-VALUE}).")
  Path reportsDir;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of every random choice of the load (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--slos", paramLabel = "FILE", description = "SLO definitions to judge by (default: the built-in scenarios/slo/slos.json).")
  Path slos;
}

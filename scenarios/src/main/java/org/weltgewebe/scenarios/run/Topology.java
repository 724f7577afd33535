package org.weltgewebe.scenarios.run;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;

/**
 * What stands between the run's traffic and the node it starts, and between the node and its
 * database: nothing ({@link #direct()}), or the production parts — Caddy in front and PgBouncer
 * behind ({@code scenarios.topology.ProxiedTopology}). A topology starts the platform with what it
 * needs around it, may measure what it adds after the load phases, and may leave its findings
 * beside the report before the report is rendered.
 */
public interface Topology {

  /** Its name as the command line spells it, e.g. "direct" or "proxied". */
  String name();

  /**
   * Starts the platform: {@code startNode} starts a node with the environment it is given (the
   * run's {@code environment}, which a topology may point elsewhere, e.g. at a pooler); the
   * platform returned is what the load and the oracle's watchers drive.
   */
  Platform start(Map<String, String> environment, Function<Map<String, String>, Platform> startNode, Path dir, PrintStream out);

  /**
   * Starts the platform from everything a node's launch needs (a cluster of nodes needs it per
   * node); by default as {@link #start(Map, Function, Path, PrintStream)} with the launch's
   * environment.
   */
  default Platform start(PlatformProcess.Launch launch, Function<Map<String, String>, Platform> startNode, Path dir, PrintStream out) {
    return start(launch.environment(), startNode, dir, out);
  }

  /** Just before the main phase's load begins, with the load that runs it (a fault run starts its clock here). */
  default void loadStarting(Load load) {}

  /** What the topology found wrong (a fault run's verdicts), after {@link #finish}; any entry fails the run. */
  default java.util.List<String> failures() {
    return java.util.List.of();
  }

  /** Whether {@link #measure} runs a phase of its own (the run then books the platform's CPU to it). */
  default boolean measures() {
    return false;
  }

  /** After the load phases and before the drain: measure what the topology adds. */
  default void measure(Measure measure) {}

  /** After report.json is written and before the readable reports are rendered from it. */
  default void finish(RunReport report, Path dir, PrintStream out) {}

  /**
   * What a topology's measurement may use: the run's load (driving the platform the topology
   * started), a way to make another load for another address, the run's load context, the API mix
   * of the probe and overload phases, and the sustainable rate the run found (or was given).
   */
  record Measure(
      Load load,
      Function<LoadContext, Load> loads,
      LoadContext context,
      Map<Action, Double> mix,
      double sustainablePerSecond,
      String sustainableSource,
      PrintStream out) {}

  /** The run's traffic straight to the node, the node straight to PostgreSQL. */
  static Topology direct() {
    return new Topology() {
      @Override
      public String name() {
        return "direct";
      }

      @Override
      public Platform start(Map<String, String> environment, Function<Map<String, String>, Platform> startNode, Path dir, PrintStream out) {
        return startNode.apply(environment);
      }
    };
  }
}

package org.weltgewebe.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.weltgewebe.reports.CostModel;
import org.weltgewebe.reports.CostTable;
import org.weltgewebe.reports.Prices;
import org.weltgewebe.reports.ReportRendering;
import org.weltgewebe.reports.RunDiff;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weltgewebe report …}: renders, prices and compares the runs' {@code report.json}. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "Render, price and compare scenario runs (reports/<run-id>/report.json).",
    subcommands = {ReportCommand.Render.class, ReportCommand.Cost.class, ReportCommand.Diff.class})
final class ReportCommand extends CommandGroup {
  /** Exit code for bad input (a missing directory, an unreadable report, a wrong option). */
  static final int BAD_INPUT = 2;
  /** Exit code of {@code diff --fail-on-regression} when a regression beyond noise was found. */
  static final int REGRESSION = 1;

  /** Options every subcommand that prices a run shares. */
  static final class Pricing {
    @Option(names = "--utilisation", defaultValue = "0.6", paramLabel = "U",
        description = "Target node utilisation the cost model sizes for, in (0, 1] (default ${DEFAULT-VALUE}).")
    double utilisation;

    @Option(names = "--prices", paramLabel = "FILE",
        description = "A price list (reports/prices/prices-<date>.json format); default: the newest this build ships.")
    Path prices;

    Prices load() {
      if (!(utilisation > 0 && utilisation <= 1)) {
        throw new IllegalArgumentException("--utilisation must be in (0, 1], got " + utilisation);
      }
      return prices == null ? Prices.current() : Prices.read(prices);
    }
  }

  static RunReport read(Path runDir) {
    if (!Files.exists(runDir)) {
      throw new IllegalArgumentException("no such run directory or report: " + runDir);
    }
    return RunReports.read(runDir);
  }

  /** {@code weltgewebe report render RUN_DIR}. */
  @Command(
      name = "render",
      mixinStandardHelpOptions = true,
      description = {
        "Write report.html, report.md and cost.json (the cost KPIs, docs/cost-json.md) beside a run's report.json.",
        "report.html is one self-contained file that opens offline; the what-if model is compared with",
        "the capacity search given with --capacity (or the directory's own capacity.json). Prints the paths."
      })
  static final class Render implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run directory (reports/<run-id>) or its report.json.")
    Path runDir;

    @picocli.CommandLine.Option(names = "--capacity", paramLabel = "DIR",
        description = "A capacity search (reports/<capacity-run-id> or its capacity.json) to set the what-if model against.")
    Path capacity;

    @picocli.CommandLine.Mixin Pricing pricing = new Pricing();

    @Override
    public Integer call() {
      try {
        read(runDir);
        ReportRendering.Rendered out =
            ReportRendering.renderAll(runDir, pricing.load(), pricing.utilisation, java.util.Optional.ofNullable(capacity));
        System.out.println(out.html());
        System.out.println(out.markdown());
        System.out.println(out.cost());
        return 0;
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return BAD_INPUT;
      }
    }
  }

  /** {@code weltgewebe report cost RUN_DIR}. */
  @Command(
      name = "cost",
      mixinStandardHelpOptions = true,
      description = {
        "Print the cost table of a run per provider.",
        "The run's measurements priced at its scenario's real monthly volume and at S1-S4: nodes, database,",
        "storage, egress, edge; EUR per 1,000 sessions, per GB egress, per million events, edge quota, the",
        "customer's bands and the edge-budget rules.",
        "--format json prints the same KPIs as the cost.json written beside every rendered report",
        "(schema: reports/schema/cost.schema.json, docs/cost-json.md), for dashboards and spreadsheets."
      })
  static final class Cost implements Callable<Integer> {
    /** How the KPIs are printed. */
    enum Format { text, json }

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run directory (reports/<run-id>) or its report.json.")
    Path runDir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
        description = "text: the cost table for a terminal; json: the versioned cost.json document (default ${DEFAULT-VALUE}).")
    Format format;

    @picocli.CommandLine.Mixin Pricing pricing = new Pricing();

    @Override
    public Integer call() {
      try {
        RunReport report = read(runDir);
        Prices prices = pricing.load();
        CostModel.Pricing priced = CostModel.price(report, prices, pricing.utilisation);
        if (format == Format.json) {
          System.out.print(ReportRendering.costKpis(runDir, priced, prices).toJson());
        } else {
          System.out.print(CostTable.format(priced));
        }
        return 0;
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return BAD_INPUT;
      }
    }
  }

  /** {@code weltgewebe report diff A B}. */
  @Command(
      name = "diff",
      mixinStandardHelpOptions = true,
      description = {
        "Compare run B with baseline run A.",
        "Latency and errors per route, overload, CPU per session, cost, verdicts. A change is a",
        "REGRESSION only when it exceeds the run-to-run noise: give further",
        "runs of A's configuration with --baseline-repeat to measure the noise per metric; without them it",
        "is taken as 10 %. Exit code 0, or 1 with --fail-on-regression when a regression was found, 2 for bad input.",
        "Example: weltgewebe report diff reports/A reports/B --baseline-repeat reports/A2 reports/A3"
      })
  static final class Diff implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "The baseline run directory or report.json.")
    Path baseline;

    @Parameters(index = "1", paramLabel = "B", description = "The candidate run directory or report.json.")
    Path candidate;

    @Option(names = "--baseline-repeat", arity = "1..*", paramLabel = "DIR",
        description = "Further runs of the baseline's configuration, to measure the noise.")
    List<Path> repeats = new ArrayList<>();

    @Option(names = "--fail-on-regression", description = "Exit 1 when a regression beyond noise is found.")
    boolean failOnRegression;

    @picocli.CommandLine.Mixin Pricing pricing = new Pricing();

    @Override
    public Integer call() {
      try {
        RunReport a = read(baseline);
        RunReport b = read(candidate);
        List<RunReport> more = new ArrayList<>();
        for (Path p : repeats) {
          more.add(read(p));
        }
        RunDiff diff = RunDiff.of(a, more, b, pricing.load(), pricing.utilisation);
        System.out.print(diff.format());
        return failOnRegression && diff.regression() ? REGRESSION : 0;
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return BAD_INPUT;
      }
    }
  }
}

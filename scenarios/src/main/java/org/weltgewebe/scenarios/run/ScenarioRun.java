package org.weltgewebe.scenarios.run;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.Scenarios;
import org.weltgewebe.scenarios.slo.SloRules;

/**
 * One scenario run, start to verdict: start the platform (or take the one given), open the oracle's
 * watchers, replay a slice of the scenario's day as user sessions, top up the routes it left
 * without a verdict, find the sustainable rate with a short ramp, overload the platform at a multiple of it, drain and check that nothing was lost,
 * read what the platform used, judge every route, and write {@code reports/<run-id>/report.json}.
 *
 * <p>Time: with compression N the slice's virtual hours pass in hours / N of wall time and the
 * platform's domain clock runs N times faster, starting at the slice's first virtual hour, so
 * fading and dissolution happen as they would.
 */
public final class ScenarioRun {
  /** Exit code of a run whose verdict failed (an SLO, the shedding check or the oracle). */
  public static final int FAILED = ReportAssembly.FAILED;
  /** The main job's default overload phase, so that the whole run stays within about 6 minutes. */
  private static final Duration DEFAULT_OVERLOAD = Duration.ofSeconds(20);
  private static final Duration PROBE = Duration.ofSeconds(30);
  /** The longest pause after the probe for the platform to catch up (Oracle#settle). */
  private static final Duration SETTLE = Duration.ofSeconds(30);
  private static final Duration CEILING = Duration.ofSeconds(8);
  /** The probe ramps at least this far (req/s of the API mix): past what one node on 2 cores takes. */
  private static final double PROBE_CEILING = 400;
  private static final Duration DRAIN = Duration.ofSeconds(90);
  /** The drain after the consistency watch stopped a run: the outbox is stuck, waiting longer changes nothing. */
  private static final Duration STUCK_DRAIN = Duration.ofSeconds(5);
  private static final int WATCHED_REGIONS = 3;

  /**
   * A run's report, where it was written, and what its topology found wrong (a fault run's
   * verdicts, which live in faults.json beside the report).
   */
  public record Outcome(RunReport report, Path directory, List<String> topologyFailures) {
    public Outcome {
      topologyFailures = List.copyOf(topologyFailures);
    }

    /** The run's exit code: the report's, or {@link #FAILED} when the topology found something wrong. */
    public int exitCode() {
      return report.verdict().exitCode() != 0 ? report.verdict().exitCode() : topologyFailures.isEmpty() ? 0 : FAILED;
    }
  }

  private ScenarioRun() {}

  /** Runs {@code options} with the load {@code loads} makes for a plan, printing progress to {@code out}. */
  public static Outcome run(RunOptions options, Function<LoadContext, Load> loads, PrintStream out) {
    return run(options, Topology.direct(), loads, out);
  }

  /**
   * Runs {@code options} through {@code topology} (direct, or Caddy and PgBouncer around the node)
   * with the load {@code loads} makes for a plan, printing progress to {@code out}.
   */
  public static Outcome run(RunOptions options, Topology topology, Function<LoadContext, Load> loads, PrintStream out) {
    ScenarioDefinition scenario = Scenarios.load(options.scenario());
    Slice slice = Slice.of(scenario, options.compression(), options.duration());
    // read before anything starts: definitions that cannot judge a run stop it here, not after its main phase
    List<SloRules.Objective> objectives = options.sloDefinitions().map(SloRules::read).orElseGet(SloRules::readBuiltIn);
    Path dir = options.reportsDir().resolve(options.runId());
    Instant started = Instant.now();
    out.printf("run %s: scenario %s (%s), %.1f virtual hours from %02.0f:00 at %.0fx = %s wall, then a probe and an overload phase%n",
        options.runId(), scenario.id(), scenario.name(), slice.virtualHours(), slice.startHour(), slice.compression(), human(slice.wall()));
    Instant virtualStart = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant()
        .plusSeconds(Math.round(slice.startHour() * 3600));
    try (Platform platform = platform(options, slice, virtualStart, dir, topology, out)) {
      out.println("platform: " + platform.api() + (platform.startedByRun() ? " (started by the run, log " + dir.resolve("platform.log") + ")" : " (given)"));
      LoadContext context = new LoadContext(
          platform.api(), scenario, slice.compression(), options.seed(), dir.resolve("gatling"), options.runId(), platform.clusterSeedNodes());
      try (Load load = loads.apply(context);
          Oracle oracle = Oracle.begin(options.db(), options.nats(), platform.api(),
              load.cellsByHeat().subList(0, Math.min(WATCHED_REGIONS, load.cellsByHeat().size())));
          ServerSampler server = new ServerSampler(platform, options.db(), options.nats(), options.outbox())) {
        double factor = options.overloadFactor().orElse(scenario.overload().factor());
        boolean defaultRun = options.compression().isEmpty() && options.duration().isEmpty();
        Duration overloadFor = options.overloadDuration().orElse(defaultRun ? DEFAULT_OVERLOAD : Duration.ofSeconds(scenario.overload().seconds()));
        Duration planned = slice.wall().plus(options.sustainablePerSecond().isPresent() ? Duration.ZERO : PROBE)
            .plus(load.mergesPhases() ? options.coverageMax() : Duration.ZERO).plus(overloadFor);
        Map<Action, Double> mix = scenario.apiMix();
        RunReport.Overload overload;
        String abortedEarly = "";
        out.printf("generator ceiling: measuring for %d s (%s) …%n", CEILING.toSeconds(), load.generator());
        double ceiling = load.ceiling(CEILING);
        out.printf("generator ceiling: %.0f req/s (figures near it are the generator's limit, not the platform's)%n", ceiling);
        java.util.concurrent.atomic.AtomicReference<String> aborted = new java.util.concurrent.atomic.AtomicReference<>("");
        boolean[] outboxStuck = {false};
        try (Progress progress = new Progress(out, planned, load::figures, oracle::persistedSoFar);
            ConsistencyWatch consistency = ConsistencyWatch.start(oracle::persistedSoFar, options.nats(), reason -> {
              if (aborted.compareAndSet("", reason)) {
                outboxStuck[0] = true;
                out.println();
                out.println("stopping: " + reason);
                load.abort(reason);
              }
            })) {
          progress.phase("main");
          server.phase("main");
          java.util.concurrent.ScheduledExecutorService watch = options.abortOnBurn()
              ? new BurnWatch(judgeFor(objectives, scenario, slice), scenario.errorBudget().abortAtBurnRate()).watch(load, aborted, out)
              : null;
          try {
            topology.loadStarting(load);
            load.run(new Load.Sessions("main", slice.startHour(), slice.virtualHours()));
          } finally {
            if (watch != null) {
              watch.shutdownNow();
            }
          }
          abortedEarly = aborted.get();
          double mainPeak = OverloadCheck.peakOkRate(load.windows(), "main");
          if (abortedEarly.isEmpty()) {
            // The coverage phase comes before the probe and the overload: its routes are judged with
            // the main phase's, on a node that no overload has touched yet. After the overload (and
            // its settle and 5 s of calm) its first 40 s shed 81 requests at p99 4.0 s on a quiet
            // machine (docs/performance.md), so its verdicts judged the overload's aftermath.
            CoveragePhase.run(load, scenario, options.sustainablePerSecond().orElse(mainPeak),
                options.sustainablePerSecond().isPresent() ? "the given sustainable rate" : "the main phase's peak goodput",
                options.coverageMax(), options.coverageRequests(), progress, server, out);
            abortedEarly = aborted.get();
          }
          if (!abortedEarly.isEmpty()) {
            overload = OverloadCheck.notRun("the run stopped early: " + abortedEarly, factor);
          } else {
            double sustainable;
            String sustainableSource;
            if (options.sustainablePerSecond().isPresent()) {
              sustainable = options.sustainablePerSecond().getAsDouble();
              sustainableSource = "given (--sustainable)";
            } else {
              progress.phase("probe");
              server.phase("probe");
              double from = 10;
              double to = Math.max(PROBE_CEILING, 2 * mainPeak);
              load.run(new Load.Requests("probe", PROBE, from, to, mix));
              OverloadCheck.Sustainable probed = OverloadCheck.probed(
                  load.slidingWindows("probe", OverloadCheck.KNEE_WINDOW_SECONDS), OverloadCheck.KNEE_WINDOW_SECONDS, load.windows(), "probe",
                  OverloadCheck.p99Objective(load.measures("probe"), judgeFor(objectives, scenario, slice)), from, to);
              sustainable = probed.perSecond();
              sustainableSource = probed.source();
              // The probe ends past the knee: the overload judges a node that has worked off that
              // overload (queued writes, the read models behind), not its aftermath.
              settle(oracle, "the probe", out);
            }
            // The overload comes straight after the probe, on the world whose sustainable rate the probe
            // measured (the coverage phase's knots, proposals and leaves included: they grow the regions
            // every read returns, and judging 3× a rate found on a smaller world held goodput to 0.81).
            progress.phase("overload");
            server.phase("overload");
            double offered = factor * sustainable;
            load.run(new Load.Requests("overload", overloadFor, offered, offered, mix));
            overload = OverloadCheck.overload(load.measures("overload"), sustainable, sustainableSource, factor, offered, overloadFor,
                judgeFor(objectives, scenario, slice), ceiling, load.queueing("overload"));
          }
        }
        // the consistency watch may have stopped the probe or the overload
        abortedEarly = aborted.get();
        if (abortedEarly.isEmpty() && topology.measures()) {
          server.phase(topology.name());
          topology.measure(new Topology.Measure(load, loads, context, mix, overload.sustainablePerSecond(), overload.sustainableSource(), out));
        }
        Duration drain = outboxStuck[0] ? STUCK_DRAIN : DRAIN;
        out.println("draining: waiting up to " + drain.toSeconds() + " s for the outbox, read models and feeds to catch up …");
        server.phase("drain");
        RunReport.Oracle verdictOfOracle;
        try {
          verdictOfOracle = oracle.judge(drain);
        } catch (RuntimeException e) {
          // a stuck outbox may leave nothing to read from; the report still says what is known
          verdictOfOracle = new RunReport.Oracle(oracle.persistedSoFar(), 0, 0, List.of(), false,
              List.of("the oracle could not judge: " + e.getMessage()));
        }
        RunReport.ServerUsage usage = server.usage(verdictOfOracle.persisted());
        Judge judge = judgeFor(objectives, scenario, slice);
        List<RunReport.RouteResult> routes = new ArrayList<>();
        for (RouteMeasure m : load.measures(List.of("main", "coverage"))) {
          routes.add(judge.judge(m));
        }
        RunReport report = ReportAssembly.assemble(options, scenario, slice, platform, load, started, routes, overload, verdictOfOracle, usage, ceiling, abortedEarly);
        Path file = RunReports.write(report, dir);
        topology.finish(report, dir, out);
        try {
          // the readable forms beside the data: report.html (charts, costs) and report.md (verdicts first)
          org.weltgewebe.reports.ReportRendering.renderAll(dir);
        } catch (RuntimeException e) {
          out.println("could not render report.html/report.md (report.json is complete): " + e.getMessage());
        }
        Summary.print(report, file, out);
        return new Outcome(report, dir, topology.failures());
      }
    }
  }

  /** Waits until the platform has worked off what {@code phase} left queued, and says how long that took. */
  private static void settle(Oracle oracle, String phase, PrintStream out) {
    long settling = System.nanoTime();
    boolean caughtUp = oracle.settle(SETTLE);
    out.printf("settle: %s %.1f s after %s%n", caughtUp ? "the platform caught up" : "the platform had not caught up",
        (System.nanoTime() - settling) / 1e9, phase);
  }

  private static Platform platform(RunOptions options, Slice slice, Instant virtualStart, Path dir, Topology topology, PrintStream out) {
    if (options.target().isPresent()) {
      URI api = options.target().get();
      return Platform.remote(api, options.targetMetrics().orElse(ServerSampler.metricsBeside(api, 9095)));
    }
    if (options.serveCommand().isEmpty()) {
      throw new IllegalArgumentException("no --target given and no command to start the platform with");
    }
    PlatformProcess.Launch launch = new PlatformProcess.Launch(options.serveCommand(), options.serveEnvironment(), options.runId(),
        slice.compression(), virtualStart, dir.resolve("platform.log"), PlatformProcess.READY_WITHIN);
    return topology.start(launch, environment -> PlatformProcess.start(
        options.serveCommand(), environment, options.runId(), slice.compression(), virtualStart, dir.resolve("platform.log")), dir, out);
  }

  private static Judge judgeFor(List<SloRules.Objective> objectives, ScenarioDefinition scenario, Slice slice) {
    double sessionsInSlice = slice.sessionsIn(scenario);
    double sessionsInMonth = scenario.sessionsInDay() * 30;
    return new Judge(objectives, scenario.errorBudget(), sessionsInSlice / sessionsInMonth);
  }










  static String human(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%d h %02d min", s / 3600, (s % 3600) / 60) : String.format("%d min %02d s", s / 60, s % 60);
  }
}

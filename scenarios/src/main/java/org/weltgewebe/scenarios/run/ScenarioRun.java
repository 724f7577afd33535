package org.weltgewebe.scenarios.run;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.reports.BuildSbom;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.DailyTotals;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.Scenarios;
import org.weltgewebe.scenarios.slo.SloRules;

/**
 * One scenario run, start to verdict: start the platform (or take the one given), open the oracle's
 * watchers, replay a slice of the scenario's day as user sessions, find the sustainable rate with a
 * short ramp, overload the platform at a multiple of it, drain and check that nothing was lost,
 * read what the platform used, judge every route, and write {@code reports/<run-id>/report.json}.
 *
 * <p>Time: with compression N the slice's virtual hours pass in hours / N of wall time and the
 * platform's domain clock runs N times faster, starting at the slice's first virtual hour, so
 * fading and dissolution happen as they would.
 */
public final class ScenarioRun {
  /** Exit code of a run whose verdict failed (an SLO, the shedding check or the oracle). */
  public static final int FAILED = 1;
  /** The main job's default (no --compress, no --duration): the whole day in 90 s. */
  private static final double DEFAULT_COMPRESSION = 960;
  /** The main job's default overload phase, so that the whole run stays within 5 minutes. */
  private static final Duration DEFAULT_OVERLOAD = Duration.ofSeconds(20);
  /**
   * Requests the coverage phase brings every API route of the mix to: a p99 verdict needs 500
   * answered ones (see Judge), with room for shed and failed ones.
   */
  static final long COVERAGE_TARGET = 600;
  /** The coverage phase's rate, as a share of the sustainable one: light enough not to skew latency. */
  static final double COVERAGE_SHARE = 0.25;
  /** The most the coverage phase offers, as a share of the sustainable rate, when a quarter would not do within its bound. */
  static final double COVERAGE_MAX_SHARE = 0.5;
  /** The coverage phase's default bound (--coverage). */
  public static final Duration COVERAGE_MAX = Duration.ofSeconds(60);
  private static final Duration PROBE = Duration.ofSeconds(30);
  private static final Duration CEILING = Duration.ofSeconds(8);
  /** The probe ramps at least this far (req/s of the API mix): past what one node on 2 cores takes. */
  private static final double PROBE_CEILING = 400;
  private static final Duration DRAIN = Duration.ofSeconds(90);
  /** The drain after the consistency watch stopped a run: the outbox is stuck, waiting longer changes nothing. */
  private static final Duration STUCK_DRAIN = Duration.ofSeconds(5);
  private static final int WATCHED_REGIONS = 3;
  private static final double MIN_GOODPUT_SHARE = 0.9;

  /**
   * What to run. {@code compression} and {@code duration} are optional: given one, the other
   * follows for a whole day; given both, the slice is duration × compression of virtual time,
   * centred on the scenario's peak hour; given neither, the whole day at 288× (5 minutes).
   * {@code sustainablePerSecond} skips the probe; {@code serveCommand} starts the platform when no
   * {@code target} is given.
   */
  public record Options(
      String scenario,
      OptionalDouble compression,
      Optional<Duration> duration,
      Optional<URI> target,
      Optional<URI> targetMetrics,
      OptionalDouble overloadFactor,
      Optional<Duration> overloadDuration,
      OptionalDouble sustainablePerSecond,
      String runId,
      Path reportsDir,
      long seed,
      List<String> serveCommand,
      Map<String, String> serveEnvironment,
      DatabaseSettings db,
      NatsSettings nats,
      OutboxSettings outbox,
      Optional<Path> sloDefinitions,
      boolean abortOnBurn,
      Duration coverageMax) {
    /** Options with the coverage phase's default bound. */
    public Options(
        String scenario, OptionalDouble compression, Optional<Duration> duration, Optional<URI> target, Optional<URI> targetMetrics,
        OptionalDouble overloadFactor, Optional<Duration> overloadDuration, OptionalDouble sustainablePerSecond, String runId,
        Path reportsDir, long seed, List<String> serveCommand, Map<String, String> serveEnvironment, DatabaseSettings db,
        NatsSettings nats, OutboxSettings outbox, Optional<Path> sloDefinitions, boolean abortOnBurn) {
      this(scenario, compression, duration, target, targetMetrics, overloadFactor, overloadDuration, sustainablePerSecond, runId,
          reportsDir, seed, serveCommand, serveEnvironment, db, nats, outbox, sloDefinitions, abortOnBurn, COVERAGE_MAX);
    }
  }

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

  /**
   * The environment that points a platform the run starts at the same database, replication slot
   * and streams the run's oracle reads.
   */
  public static Map<String, String> platformEnvironment(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    return Map.of(
        "WELTGEWEBE_DB_URL", db.url(),
        "WELTGEWEBE_DB_USER", db.user(),
        "WELTGEWEBE_DB_PASSWORD", db.password() == null ? "" : db.password(),
        "WELTGEWEBE_NATS_URL", nats.url(),
        "WELTGEWEBE_NATS_STREAM", nats.stream(),
        "WELTGEWEBE_NATS_SUBJECT_PREFIX", nats.subjectPrefix(),
        "WELTGEWEBE_OUTBOX_SLOT", outbox.slot());
  }

  /** A run id for {@code scenario} started now, e.g. {@code S1-20261128-184502}. */
  public static String newRunId(String scenario) {
    return scenario.toUpperCase(java.util.Locale.ROOT) + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
  }

  /** Runs {@code options} with the load {@code loads} makes for a plan, printing progress to {@code out}. */
  public static Outcome run(Options options, Function<LoadContext, Load> loads, PrintStream out) {
    return run(options, Topology.direct(), loads, out);
  }

  /**
   * Runs {@code options} through {@code topology} (direct, or Caddy and PgBouncer around the node)
   * with the load {@code loads} makes for a plan, printing progress to {@code out}.
   */
  public static Outcome run(Options options, Topology topology, Function<LoadContext, Load> loads, PrintStream out) {
    ScenarioDefinition scenario = Scenarios.load(options.scenario());
    Slice slice = Slice.of(scenario, options.compression(), options.duration());
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
        Map<Action, Double> mix = apiMix(scenario);
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
              ? watchBurn(new BurnWatch(judgeFor(options, scenario, slice), scenario.errorBudget().abortAtBurnRate()), load, aborted, out)
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
          if (!abortedEarly.isEmpty()) {
            overload = notRun("the run stopped early: " + abortedEarly, factor);
          } else {
            double mainPeak = peakOkRate(load.windows(), "main");
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
              double objective = p99Objective(load.measures("probe"), judgeFor(options, scenario, slice));
              OptionalDouble withinObjective = sustainableRate(load.windows(), "probe", objective);
              sustainable = withinObjective.orElse(sustainableRate(load.windows(), "probe"));
              sustainableSource = withinObjective.isPresent()
                  ? String.format("probe: highest goodput of a whole 10-s window with p99 ≤ %.0f ms and ≤ %.0f %% errors while ramping %.0f→%.0f req/s",
                      objective, KNEE_ERRORS * 100, from, to)
                  : String.format("probe: highest goodput of a whole 10-s window while ramping %.0f→%.0f req/s (none kept p99 ≤ %.0f ms)",
                      from, to, objective);
            }
            cover(load, scenario, sustainable, options.coverageMax(), progress, server, out);
            progress.phase("overload");
            server.phase("overload");
            double offered = factor * sustainable;
            load.run(new Load.Requests("overload", overloadFor, offered, offered, mix));
            overload = overload(load.measures("overload"), sustainable, sustainableSource, factor, offered, overloadFor,
                judgeFor(options, scenario, slice), ceiling, load.queueing("overload"));
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
        Judge judge = judgeFor(options, scenario, slice);
        List<RunReport.RouteResult> routes = new ArrayList<>();
        for (RouteMeasure m : load.measures(List.of("main", "coverage"))) {
          routes.add(judge.judge(m));
        }
        RunReport report = assemble(options, scenario, slice, platform, load, started, routes, overload, verdictOfOracle, usage, ceiling, abortedEarly);
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

  private static Platform platform(Options options, Slice slice, Instant virtualStart, Path dir, Topology topology, PrintStream out) {
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

  private static Judge judgeFor(Options options, ScenarioDefinition scenario, Slice slice) {
    double sessionsInSlice = slice.sessionsIn(scenario);
    double sessionsInMonth = scenario.sessionsInDay() * 30;
    return new Judge(options.sloDefinitions().map(SloRules::read).orElseGet(SloRules::readBuiltIn), scenario.errorBudget(), sessionsInSlice / sessionsInMonth);
  }

  /**
   * Tops up the main phase for a verdict on every API route: the routes of the mix (and logging
   * in and registering) that got fewer than {@link #COVERAGE_TARGET} requests get equal shares of a quarter of the
   * sustainable rate (up to half when a quarter would not reach the target in time), until the scarcest would reach it or {@code max} (--coverage, default 60 s) has passed. A
   * day's rare writes (a profile update, an untwist) otherwise stay at a handful of requests.
   */
  private static void cover(Load load, ScenarioDefinition scenario, double sustainable, Duration max, Progress progress,
      ServerSampler server, PrintStream out) {
    if (!load.mergesPhases() || !(sustainable > 0) || max.isZero()) {
      return;
    }
    Map<Action, Long> lacking = lacking(scenario, load.measures("main"));
    if (lacking.isEmpty()) {
      return;
    }
    long scarcest = lacking.values().stream().mapToLong(Long::longValue).min().orElse(0);
    long deficit = (COVERAGE_TARGET - scarcest) * lacking.size();
    // a quarter of the sustainable rate, more (up to half) when that would not reach the target within max
    double rate = Math.min(COVERAGE_MAX_SHARE * sustainable, Math.max(COVERAGE_SHARE * sustainable, deficit / (double) Math.max(1, max.toSeconds())));
    double seconds = Math.min(max.toSeconds(), Math.ceil(deficit / rate));
    Map<Action, Double> equal = new EnumMap<>(Action.class);
    lacking.keySet().forEach(a -> equal.put(a, 1.0));
    out.printf("%ncoverage: %d routes below %d requests (%s) get equal shares of %.0f req/s for %.0f s%n",
        lacking.size(), COVERAGE_TARGET, lacking.keySet().stream().map(a -> a.method() + " " + a.route()).toList(), rate, seconds);
    progress.phase("coverage");
    server.phase("coverage");
    load.run(new Load.Requests("coverage", Duration.ofMillis(Math.round(seconds * 1000)), rate, rate, equal));
  }

  /** The mix's API actions, logging in and registering whose route had fewer than {@link #COVERAGE_TARGET} requests, with their counts. */
  static Map<Action, Long> lacking(ScenarioDefinition scenario, List<RouteMeasure> main) {
    Map<Action, Long> lacking = new EnumMap<>(Action.class);
    List<Action> candidates = new ArrayList<>(apiMix(scenario).keySet());
    candidates.add(Action.LOGIN);
    candidates.add(Action.REGISTER);
    for (Action a : candidates) {
      long count = main.stream().filter(m -> m.method().equals(a.method()) && m.route().equals(a.route()))
          .mapToLong(RouteMeasure::requests).sum();
      if (count < COVERAGE_TARGET) {
        lacking.put(a, count);
      }
    }
    return lacking;
  }

  /** The scenario's API actions (no pages, tiles, feeds or chat) in their proportions: the probe's and overload's mix. */
  static Map<Action, Double> apiMix(ScenarioDefinition scenario) {
    Map<Action, Double> mix = new EnumMap<>(Action.class);
    for (Action a : Action.values()) {
      if (a.kind() == Action.Kind.API && a != Action.LOGIN && a != Action.LOGOUT && scenario.perSession(a) > 0) {
        mix.put(a, scenario.perSession(a));
      }
    }
    return mix;
  }

  static double peakOkRate(List<RunReport.Window> windows, String phase) {
    return windows.stream()
        .filter(w -> w.phase().equals(phase) && w.route().equals("*"))
        .mapToDouble(w -> w.ok() / 10.0)
        .max()
        .orElse(0);
  }

  /**
   * The platform's capacity as the probe saw it: the highest goodput (answered 2xx per second) of a
   * whole 10-s window of the ramp. Shedding windows count: what the platform still answers while it
   * sheds the excess is what it can sustain. The phase's first and last windows are cut by the
   * phase's start and end and would understate it.
   */
  static double sustainableRate(List<RunReport.Window> windows, String phase) {
    List<RunReport.Window> whole = windows.stream()
        .filter(w -> w.phase().equals(phase) && w.route().equals("*"))
        .sorted(java.util.Comparator.comparingDouble(RunReport.Window::offsetSeconds))
        .toList();
    if (whole.size() >= 3) {
      whole = whole.subList(1, whole.size() - 1);
    }
    return whole.stream().mapToDouble(w -> w.ok() / 10.0).max().orElse(0);
  }

  /** The largest share of a window's requests that may fail (shed, 5xx, unanswered) for its goodput to count as sustainable. */
  static final double KNEE_ERRORS = 0.05;

  /**
   * The platform's sustainable rate as the probe saw it: the highest goodput of a whole 10-s window
   * in which the platform still met the mix's p99 objective and failed at most {@link #KNEE_ERRORS}
   * of the requests; empty when no window did. A window past the knee may answer more 2xx per second
   * while its latency climbs (seen here: 1,409 req/s at p99 27 ms, then collapse), and 3× a rate past
   * the knee overloads a platform that is already queueing.
   */
  static OptionalDouble sustainableRate(List<RunReport.Window> windows, String phase, double p99ObjectiveMillis) {
    List<RunReport.Window> whole = windows.stream()
        .filter(w -> w.phase().equals(phase) && w.route().equals("*"))
        .sorted(java.util.Comparator.comparingDouble(RunReport.Window::offsetSeconds))
        .toList();
    if (whole.size() >= 3) {
      whole = whole.subList(1, whole.size() - 1);
    }
    return whole.stream()
        .filter(w -> w.requests() > 0 && w.p99Millis() <= p99ObjectiveMillis && w.errors() <= KNEE_ERRORS * w.requests())
        .mapToDouble(w -> w.ok() / 10.0)
        .max();
  }

  /** The strictest bound the overload check holds accepted requests to: the largest p99 objective of the routes measured. */
  static double p99Objective(List<RouteMeasure> measures, Judge judge) {
    double objective = 0;
    for (RouteMeasure m : measures) {
      SloRules.Objective o = judge.objective(m.method(), m.route());
      if (o != null) {
        objective = Math.max(objective, o.p99Millis());
      }
    }
    return objective;
  }

  /** Checks the main phase's burn rate every 10 s; on a breach stops the load and keeps the reason. */
  // A fixed-delay schedule that runs until the caller shuts the returned executor down.
  @SuppressWarnings("FutureReturnValueIgnored")
  private static java.util.concurrent.ScheduledExecutorService watchBurn(
      BurnWatch watch, Load load, java.util.concurrent.atomic.AtomicReference<String> aborted, PrintStream out) {
    java.util.concurrent.ScheduledExecutorService every = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "burn-watch");
      t.setDaemon(true);
      return t;
    });
    every.scheduleWithFixedDelay(() -> {
      try {
        watch.check(load.windows(), "main").ifPresent(reason -> {
          if (aborted.compareAndSet("", reason)) {
            out.println();
            out.println("aborting: " + reason);
            load.abort(reason);
          }
        });
      } catch (RuntimeException e) {
        // a failed check is retried at the next tick; the run is judged at its end in any case
      }
    }, 10, 10, java.util.concurrent.TimeUnit.SECONDS);
    return every;
  }

  /** The overload phase of a run that stopped before it. */
  private static RunReport.Overload notRun(String why, double factor) {
    return new RunReport.Overload(0, "not measured", factor, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false,
        List.of("not run: " + why), 0, false, why);
  }

  /** The share of the generator's ceiling above which an overload's figures may be the generator's. */
  static final double GENERATOR_HEADROOM = 0.8;
  /** The share of the planned rate the generator must really offer for the goodput check to hold. */
  static final double MIN_OFFERED_SHARE = 0.9;

  static RunReport.Overload overload(
      List<RouteMeasure> measures, double sustainable, String source, double factor, double offeredPerSecond, Duration duration, Judge judge,
      double generatorCeiling, String generatorQueue) {
    long offered = 0;
    long ok = 0;
    long shed = 0;
    long other = 0;
    long timeouts = 0;
    double acceptedP99 = 0;
    double shedP99 = 0;
    for (RouteMeasure m : measures) {
      offered += m.requests();
      ok += m.ok();
      shed += m.shed();
      other += m.serverErrors();
      timeouts += m.timeouts();
      acceptedP99 = Math.max(acceptedP99, m.okLatency().p99Millis());
      shedP99 = Math.max(shedP99, m.shedLatency().p99Millis());
    }
    double objective = p99Objective(measures, judge);
    double seconds = duration.toMillis() / 1000.0;
    double goodput = ok / seconds;
    double goodputShare = sustainable > 0 ? goodput / sustainable : 0;
    List<String> failures = new ArrayList<>();
    if (timeouts > 0) {
      failures.add(timeouts + " requests got no answer (the platform must answer 503 at once, never time out)");
    }
    if (acceptedP99 > objective) {
      failures.add(String.format("accepted requests' p99 %.1f ms exceeds the routes' p99 objective %.0f ms", acceptedP99, objective));
    }
    double achieved = offered / seconds;
    // judged on what the generator really offered, and whether it could: with a bounded pool a
    // platform that holds every connection also lowers the rate sent, and that shortfall is the
    // platform's unless the plan was beyond the generator's own ceiling (a route that does no work,
    // same pool size) on this machine
    boolean shortfall = achieved < MIN_OFFERED_SHARE * offeredPerSecond;
    boolean beyondCeiling = generatorCeiling <= 0 || offeredPerSecond > GENERATOR_HEADROOM * generatorCeiling;
    boolean generatorLimited = shortfall && beyondCeiling;
    List<String> notes = new ArrayList<>();
    if (generatorLimited) {
      notes.add(String.format("the generator offered %.0f of the planned %.0f req/s (its ceiling here: %.0f req/s): "
          + "goodput is not judged (a shortfall may be the generator's, not the platform's)", achieved, offeredPerSecond, generatorCeiling));
    } else if (shortfall) {
      notes.add(String.format("the generator offered %.0f of the planned %.0f req/s, well within its ceiling of %.0f req/s: "
          + "the platform held its connections", achieved, offeredPerSecond, generatorCeiling));
    } else if (offeredPerSecond > GENERATOR_HEADROOM * generatorCeiling && generatorCeiling > 0) {
      notes.add(String.format("planned %.0f req/s is above 80 %% of the generator's measured ceiling %.0f req/s, but it offered %.0f req/s",
          offeredPerSecond, generatorCeiling, achieved));
    }
    if (!generatorQueue.isEmpty()) {
      notes.add(generatorQueue);
    }
    String note = String.join("; ", notes);
    if (goodputShare < MIN_GOODPUT_SHARE && !generatorLimited) {
      failures.add(String.format("goodput %.0f/s is %.0f %% of the sustainable %.0f/s (needs ≥ %.0f %%)",
          goodput, goodputShare * 100, sustainable, MIN_GOODPUT_SHARE * 100));
    }
    return new RunReport.Overload(
        sustainable, source, factor, offeredPerSecond, seconds, offered, ok, shed, other, timeouts,
        offered == 0 ? 0 : (double) shed / offered, goodput, goodputShare, acceptedP99, objective, shedP99,
        failures.isEmpty(), List.copyOf(failures), achieved, generatorLimited, note);
  }

  private static RunReport assemble(
      Options options, ScenarioDefinition scenario, Slice slice, Platform platform, Load load, Instant started,
      List<RunReport.RouteResult> routes, RunReport.Overload overload, RunReport.Oracle oracle, RunReport.ServerUsage usage,
      double generatorCeiling, String abortedEarly) {
    DailyTotals modelled = DailyTotals.of(scenario);
    double pageBytesPerSession = scenario.perSession(Action.PAGE) * scenario.bytes(Action.PAGE);
    RunReport.Scenario s = new RunReport.Scenario(
        scenario.id(), scenario.name(), scenario.monthlyActiveUsers(), scenario.sessionsPerDay(),
        modelled.requests(), modelled.events(), modelled.tileHits(), modelled.volumeBytes(),
        DailyTotals.persistedPerSession(scenario), pageBytesPerSession, scenario.errorBudget().serviceAvailabilityPercent());
    Instant finished = Instant.now();
    RunReport.Settings settings = new RunReport.Settings(
        platform.api().toString(), platform.startedByRun(), slice.compression(), slice.startHour(), slice.virtualHours(),
        Duration.between(started, finished).toMillis() / 1000.0, overload.factor(), overload.seconds(), options.seed(),
        load.generator(), load.connectionPolicy(), generatorCeiling, platform.nodes(), host());
    long requests = 0;
    long tiles = 0;
    long bytes = 0;
    for (RunReport.RouteResult r : routes) {
      requests += r.requests();
      bytes += r.bytesReceived();
      if (r.route().startsWith("/tiles/")) {
        tiles += r.requests();
      }
    }
    long delivered = oracle.watchers().stream().mapToLong(RunReport.FeedWatch::delivered).sum();
    RunReport.Totals totals = new RunReport.Totals(
        load.sessions(), requests - tiles + overload.offered(), tiles, oracle.persisted(), delivered, bytes, slice.virtualHours() * 3600);
    List<String> failures = new ArrayList<>();
    boolean slosMet = true;
    for (RunReport.RouteResult r : routes) {
      if (r.verdict().missed()) {
        slosMet = false;
        failures.add("SLO " + r.method() + " " + r.route() + ": " + r.verdict().reason());
      }
    }
    overload.failures().forEach(f -> failures.add("shedding: " + f));
    oracle.discrepancies().forEach(d -> failures.add("oracle: " + d));
    if (!abortedEarly.isEmpty()) {
      failures.add(0, "aborted early: " + abortedEarly);
    }
    // verdicts over a run that stopped early, measured nothing or lost events are void, never "met"
    slosMet = slosMet && oracle.passed() && abortedEarly.isEmpty() && !routes.isEmpty();
    boolean passed = slosMet && overload.passed() && oracle.passed() && abortedEarly.isEmpty();
    RunReport.Verdict verdict = new RunReport.Verdict(
        passed, slosMet, overload.passed(), oracle.passed(), List.copyOf(failures), passed ? 0 : FAILED, abortedEarly);
    return new RunReport(
        RunReport.SCHEMA_VERSION, options.runId(), started, finished, s, settings, totals, List.copyOf(routes),
        load.windows(), overload, oracle, usage, verdict, BuildSbom.ofThisBuild().orElse(null));
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName() + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    } catch (UnknownHostException e) {
      return Runtime.getRuntime().availableProcessors() + " cores";
    }
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%d h %02d min", s / 3600, (s % 3600) / 60) : String.format("%d min %02d s", s / 60, s % 60);
  }

  /**
   * What the load generator is handed: where, what, how fast, where Gatling keeps its report, and
   * where an in-cluster driver joins the platform's cluster (empty when the run does not know).
   */
  public record LoadContext(
      URI api, ScenarioDefinition scenario, double compression, long seed, Path gatlingResultsDir, String runId,
      List<String> clusterSeedNodes) {
    public LoadContext {
      clusterSeedNodes = List.copyOf(clusterSeedNodes);
    }

    /** A context without cluster seed nodes, for a driver that only needs the API. */
    public LoadContext(URI api, ScenarioDefinition scenario, double compression, long seed, Path gatlingResultsDir, String runId) {
      this(api, scenario, compression, seed, gatlingResultsDir, runId, List.of());
    }
  }

  /** The replayed slice of the scenario's day. */
  record Slice(double startHour, double virtualHours, double compression) {
    static Slice of(ScenarioDefinition scenario, OptionalDouble compression, Optional<Duration> duration) {
      if (compression.isPresent() && !(compression.getAsDouble() >= 1)) {
        throw new IllegalArgumentException("--compress must be at least 1, got " + compression.getAsDouble());
      }
      if (duration.isPresent() && (duration.get().isNegative() || duration.get().isZero())) {
        throw new IllegalArgumentException("--duration must be positive");
      }
      double c;
      double hours;
      if (compression.isPresent() && duration.isPresent()) {
        c = compression.getAsDouble();
        hours = Math.min(24, duration.get().toMillis() / 1000.0 * c / 3600);
      } else if (duration.isPresent()) {
        hours = 24;
        c = 24 * 3600 / (duration.get().toMillis() / 1000.0);
      } else {
        c = compression.orElse(DEFAULT_COMPRESSION);
        hours = 24;
      }
      double start = 0;
      if (hours < 24) {
        double[] w = scenario.hourlyWeights();
        int peak = 0;
        for (int h = 1; h < 24; h++) {
          if (w[h] > w[peak]) {
            peak = h;
          }
        }
        start = Math.max(0, Math.min(24 - hours, peak + 0.5 - hours / 2));
      }
      return new Slice(start, hours, c);
    }

    Duration wall() {
      return Duration.ofMillis(Math.round(virtualHours * 3600_000 / compression));
    }

    /** Sessions the slice carries at the scenario's real volume. */
    double sessionsIn(ScenarioDefinition scenario) {
      double[] perHour = scenario.sessionsPerHour();
      double total = 0;
      for (int h = 0; h < 24; h++) {
        double overlap = Math.max(0, Math.min(h + 1, startHour + virtualHours) - Math.max(h, startHour));
        total += perHour[h] * overlap;
      }
      return total;
    }
  }
}

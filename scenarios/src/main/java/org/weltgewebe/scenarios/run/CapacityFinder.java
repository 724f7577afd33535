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
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.weltgewebe.reports.CapacityLimit;
import org.weltgewebe.reports.CapacityReport;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.RunReports;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.PeakHour;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.Scenarios;
import org.weltgewebe.scenarios.slo.SloRules;

/**
 * {@code weltgewebe scenario capacity S}: how much one node carries. Starts the platform once (or
 * drives the one given), warms it up, then offers the scenario's API request mix open-model in steps
 * of rising rate — start, start × factor, … — and judges every step on its own: each route against
 * its objective (availability with shed 503s counted as bad, p95 and p99 of answered requests) and
 * the step as a whole against "answered at least 90 % of what was sent". When a rate breaks twice in
 * a row ({@link StepRule}) the stepping up stops, and rates between it and the highest rate that
 * held are run until the two are at most the resolution apart. Reported: the highest sustainable
 * rate, per node; the knee of the latency curve ({@link LatencyKnee}: Kneedle); the platform's CPU seconds per step when
 * it runs here; and how many nodes S1–S4 need at their peak hour ({@link PeakHour}) at a target
 * utilisation. Written to {@code reports/<run-id>/capacity.json}.
 *
 * <p>The platform's clock runs at real time: a capacity search is about request rates, not about
 * days passing.
 */
public final class CapacityFinder {
  /** Exit code of a search in which not even the first rate could be sustained. */
  public static final int NOTHING_SUSTAINABLE = 1;
  /** A step fails when fewer of the requests it sent are answered per second than this share of the rate sent. */
  static final double MIN_ACHIEVED_SHARE = 0.9;
  /** How a step is judged, for the report. */
  static final String STEP_VERDICT = "a step breaks on any route's availability (shed 503s, other 5xx and unanswered"
      + " requests count as bad; missed by the run verdict's exact binomial test at 95 % confidence), on a route's p95 once"
      + " it has >= 100 answered requests in the step and its p99 once it has >= 500 (five expected exceedances, as a run's"
      + " verdict), or when fewer than 90 % of the requests sent are answered per second of the step's wall time";
  /**
   * Answered requests a route needs in a step before its p95 is judged: ⌈5 / (1 − 0.95)⌉, the run
   * verdict's rule ({@link Judge#requiredRequests}). With 20, a write route's p95 at the lowest steps
   * was its second-slowest answer, and this machine's disk holds 1 in 400 fdatasyncs for 100–270 ms
   * (journal commits of 67–197 ms in the same second as the slow writes, JFR): the searches broke at
   * 27–75 req/s with a third of a core busy and passed the same rate again (docs/performance.md).
   */
  static final int MIN_FOR_P95 = (int) Judge.requiredRequests(0.95);
  /** Answered requests a route needs in a step before its p99 is judged: ⌈5 / (1 − 0.99)⌉. */
  static final int MIN_FOR_P99 = (int) Judge.requiredRequests(0.99);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

  /**
   * What to search. {@code nodes} is the number of nodes behind {@code target} (empty: what the
   * platform says, 1 for one started here); {@code coresPerNode} likewise (empty: this machine's
   * when started here, 0 = unknown for a target). {@code ceilingDuration} zero skips measuring the
   * generator's ceiling.
   */
  public record Options(
      String scenario,
      Optional<URI> target,
      OptionalInt nodes,
      OptionalInt coresPerNode,
      double startPerSecond,
      double factor,
      double maxPerSecond,
      double resolution,
      Duration stepDuration,
      Duration warmup,
      double warmupPerSecond,
      Duration warmupMax,
      Duration ceilingDuration,
      double utilisation,
      String runId,
      Path reportsDir,
      long seed,
      List<String> serveCommand,
      Map<String, String> serveEnvironment,
      Optional<Path> sloDefinitions) {

    public Options {
      if (!(startPerSecond > 0)) {
        throw new IllegalArgumentException("--start must be a positive rate (req/s), got " + startPerSecond);
      }
      if (!(factor > 1) || factor > 4) {
        throw new IllegalArgumentException("--factor must be above 1 and at most 4, got " + factor);
      }
      if (!(resolution >= 1)) {
        throw new IllegalArgumentException("--resolution must be at least 1 (1: no refining), got " + resolution);
      }
      if (!(maxPerSecond >= startPerSecond)) {
        throw new IllegalArgumentException("--max (" + maxPerSecond + ") must be at least --start (" + startPerSecond + ")");
      }
      if (stepDuration.compareTo(Duration.ofSeconds(2)) < 0) {
        throw new IllegalArgumentException("--step-duration must be at least 2s, got " + stepDuration.toMillis() / 1000.0 + "s");
      }
      if (warmup.isNegative() || warmupMax.isNegative() || ceilingDuration.isNegative()) {
        throw new IllegalArgumentException("--warmup, --warmup-max and --ceiling-duration must not be negative");
      }
      if (!(warmupPerSecond > 0)) {
        throw new IllegalArgumentException("--warmup-rate must be a positive rate (req/s), got " + warmupPerSecond);
      }
      if (!(utilisation > 0) || utilisation > 1) {
        throw new IllegalArgumentException("--utilisation must be in (0, 1], got " + utilisation);
      }
      if (nodes.isPresent() && nodes.getAsInt() < 1) {
        throw new IllegalArgumentException("--nodes must be at least 1, got " + nodes.getAsInt());
      }
      if (target.isEmpty() && nodes.isPresent() && nodes.getAsInt() != 1) {
        throw new IllegalArgumentException("--nodes is the number of nodes behind --target; a platform started here is one node");
      }
      if (target.isEmpty() && serveCommand.isEmpty()) {
        throw new IllegalArgumentException("no --target given and no command to start the platform with");
      }
    }
  }

  /** A search's report and where it was written. */
  public record Outcome(CapacityReport report, Path directory) {
    /** 0 when a sustainable rate was found, {@link #NOTHING_SUSTAINABLE} otherwise. */
    public int exitCode() {
      return report.sustainablePerSecond() > 0 ? 0 : NOTHING_SUSTAINABLE;
    }
  }

  private CapacityFinder() {}

  /** Runs the search, printing progress, a table of the steps and the answer to {@code out}. */
  public static Outcome run(Options options, Function<LoadContext, Load> loads, PrintStream out) {
    ScenarioDefinition scenario = Scenarios.load(options.scenario());
    Map<Action, Double> mix = scenario.apiMix();
    Path dir = options.reportsDir().resolve(options.runId());
    Instant started = Instant.now();
    OptionalDouble loadAtStart = loadAverage();
    Judge judge = new Judge(
        options.sloDefinitions().map(SloRules::read).orElseGet(SloRules::readBuiltIn), scenario.errorBudget(), 0);
    out.printf("capacity %s: scenario %s (%s), its API mix offered from %.1f req/s ×%.2f per step of %d s up to %.0f req/s%n",
        options.runId(), scenario.id(), scenario.name(), options.startPerSecond(), options.factor(),
        options.stepDuration().toSeconds(), options.maxPerSecond());
    try (Platform platform = platform(options, scenario, dir)) {
      out.println("platform: " + platform.api() + (platform.startedByRun() ? " (started here, log " + dir.resolve("platform.log") + ")" : " (given)"));
      LoadContext context = new LoadContext(platform.api(), scenario, 1, options.seed(), dir.resolve("gatling"), options.runId());
      try (Load load = loads.apply(context)) {
        double ceiling = 0;
        if (!options.ceilingDuration().isZero()) {
          out.printf("generator ceiling: measuring for %d s against /health/live …%n", options.ceilingDuration().toSeconds());
          ceiling = load.ceiling(options.ceilingDuration());
          out.printf("generator ceiling: %.0f req/s (rates near it measure the generator, not the platform)%n", ceiling);
        }
        if (!options.warmup().isZero()) {
          double to = warmupTop(options);
          out.printf("warm-up: the mix climbing from %.1f to %.1f req/s over %d s (not judged)%n",
              options.startPerSecond(), to, options.warmup().toSeconds());
          load.run(new Load.Requests("warmup", options.warmup(), options.startPerSecond(), to, mix));
        }
        List<CapacityReport.Step> warm = holdWarm(options, platform, load, mix, judge, out);
        List<CapacityReport.Step> steps = search(options, platform, load, mix, judge, out);
        CapacityReport report = assemble(options, scenario, mix, platform, load, ceiling, started, loadAtStart, steps, warm);
        Path file = RunReports.writeCapacity(report, dir);
        CapacitySummary.print(report, file, out);
        return new Outcome(report, dir);
      }
    }
  }

  /**
   * Where the warm-up's climb ends: {@code --warmup-rate}, within [start, max]. A warm-up at the
   * start rate (10 req/s for 20 s) left the node cold: the first six steps of S4's search (10–54
   * req/s) answered at a p95 of 32–132 ms, falling step by step to 8 ms at 105 req/s; on a node
   * that had carried 289 req/s for 45 s the same low rates answered at 12–17 ms (the JIT and the
   * pools, not the rate: docs/performance.md).
   */
  static double warmupTop(Options options) {
    return Math.max(options.startPerSecond(), Math.min(options.maxPerSecond(), options.warmupPerSecond()));
  }

  private static List<CapacityReport.Step> search(
      Options options, Platform platform, Load load, Map<Action, Double> mix, Judge judge, PrintStream out) {
    List<CapacityReport.Step> steps = new ArrayList<>();
    double rate = options.startPerSecond();
    boolean rerun = false;
    while (true) {
      String phase = String.format("step-%02d", steps.size() + 1);
      CapacityReport.Step step = measured(phase, rate, options.stepDuration(), rerun, platform, load, mix, judge, out);
      steps.add(step);
      CapacitySummary.printStep(steps.size(), step, out);
      StepRule.Next next = StepRule.next(steps, options.factor(), options.maxPerSecond(), options.resolution());
      if (next == StepRule.Next.STOP) {
        return steps;
      }
      if (next == StepRule.Next.REPEAT) {
        out.printf("  broke once at %.1f req/s: running the same rate again to tell noise from a limit%n", rate);
        rerun = true;
      } else if (next == StepRule.Next.REFINE) {
        rerun = false;
        rate = StepRule.refineRate(steps, options.resolution()).orElseThrow();
        out.printf("  refining: %.1f req/s, between the highest rate that held and the lowest that broke twice (%.1f)%n",
            rate, StepRule.lowestBreak(steps).orElseThrow());
      } else {
        rerun = false;
        rate = rate * options.factor();
      }
    }
  }

  /** Offers {@code mix} at {@code rate} for {@code duration} as phase {@code phase} and measures it on both sides, as a step. */
  private static CapacityReport.Step measured(
      String phase, double rate, Duration duration, boolean rerun, Platform platform, Load load, Map<Action, Double> mix, Judge judge,
      PrintStream out) {
    OptionalDouble cpuBefore = platform.cpuSeconds();
    Optional<HostCpu> hostBefore = HostCpu.now();
    Optional<HostProcesses> processesBefore = HostProcesses.now();
    long startNanos = System.nanoTime();
    try (Ticker ticker = new Ticker(out, load, phase, rate, rerun, duration)) {
      load.run(new Load.Requests(phase, duration, rate, rate, mix));
    }
    // the step's own time, from its first request to its last answer, when the driver knows it
    double wall = load.activeSeconds(phase).orElse((System.nanoTime() - startNanos) / 1e9);
    OptionalDouble cpuAfter = platform.cpuSeconds();
    Optional<HostProcesses> processesAfter = HostProcesses.now();
    double readSeconds = (System.nanoTime() - startNanos) / 1e9;
    HostCpu host = HostCpu.between(hostBefore, HostCpu.now(), readSeconds, wall);
    double cpu = cpuBefore.isPresent() && cpuAfter.isPresent() ? cpuAfter.getAsDouble() - cpuBefore.getAsDouble() : 0;
    // who spent the host's CPU; without the node's own figure (a remote target) its share would fall to "other"
    List<CapacityReport.ProcessCpu> processes = cpuBefore.isPresent() && cpuAfter.isPresent()
        ? HostProcesses.between(processesBefore, processesAfter, cpu, host, readSeconds, wall)
        : List.of();
    return step(rate, duration, wall, cpu, host, processes, rerun, load.measures(phase), judge);
  }

  /**
   * The warm-up's rounds after its climb: the climb's top rate in rounds of {@link WarmUp#ROUND}
   * until {@link WarmUp#settled} (the node no longer gets cheaper per request) or {@code max} is
   * spent. Not judged; returned for the report.
   */
  private static List<CapacityReport.Step> holdWarm(
      Options options, Platform platform, Load load, Map<Action, Double> mix, Judge judge, PrintStream out) {
    List<CapacityReport.Step> rounds = new ArrayList<>();
    if (options.warmupMax().isZero() || options.warmup().isZero()) {
      return rounds;
    }
    double rate = warmupTop(options);
    Duration round = WarmUp.round(options.warmupMax());
    while (true) {
      CapacityReport.Step step = measured(
          String.format("warmup-%02d", rounds.size() + 1), rate, round, false, platform, load, mix, judge, out);
      rounds.add(step);
      long spent = rounds.size() * round.toSeconds();
      out.println("  " + WarmUp.describe(rounds.size(), step));
      if (WarmUp.settled(rounds)) {
        out.printf("warm-up: settled after %d rounds (%s)%n", rounds.size(), WarmUp.RULE);
        return rounds;
      }
      if (spent >= options.warmupMax().toSeconds()) {
        out.printf("warm-up: still getting cheaper after %d s (--warmup-max): the first steps may measure a node that is not yet warm%n", spent);
        return rounds;
      }
    }
  }

  /**
   * One step's figures and verdict: every route judged against its objective, and the step failed
   * too when fewer requests were answered per second of its wall time than {@link #MIN_ACHIEVED_SHARE}
   * of the rate it sent (Poisson arrivals make the sent count vary; comparing with what was really
   * sent keeps that noise out of the verdict). {@code cpuSeconds} is the platform's, {@code host} the
   * whole machine's over the same interval (from just before the step's load starts until the load
   * returns, which includes the generator's start and its report of the phase).
   */
  static CapacityReport.Step step(
      double offered, Duration stepDuration, double wallSeconds, double cpuSeconds, HostCpu host, List<CapacityReport.ProcessCpu> processes,
      boolean rerun, List<RouteMeasure> measures, Judge judge) {
    long requests = 0;
    long ok = 0;
    long shed = 0;
    long serverErrors = 0;
    long timeouts = 0;
    List<String> failures = new ArrayList<>();
    List<CapacityReport.RouteStep> routes = new ArrayList<>();
    List<MixedLatency.Part> answered = new ArrayList<>();
    for (RouteMeasure m : measures) {
      requests += m.requests();
      ok += m.ok();
      shed += m.shed();
      serverErrors += m.serverErrors();
      timeouts += m.timeouts();
      routes.add(new CapacityReport.RouteStep(m.method(), m.route(), m.requests(), m.ok(), m.bad(), m.okLatency()));
      answered.add(new MixedLatency.Part(m.ok(), m.okLatency()));
      routeFailure(m, judge.judge(m)).ifPresent(failures::add);
    }
    double seconds = stepDuration.toMillis() / 1000.0;
    // the last arrival can fall a little before the step's end: the step lasts at least its arrivals' span
    double wall = Math.max(wallSeconds, seconds);
    double achieved = (requests - timeouts) / wall;
    double sentPerSecond = requests / seconds;
    if (requests == 0) {
      failures.add("no request was measured");
    } else if (achieved < MIN_ACHIEVED_SHARE * sentPerSecond) {
      failures.add(String.format("answered %.1f req/s of %.1f req/s sent (< %.0f %%; the step took %.1f s for %.0f s of arrivals)",
          achieved, sentPerSecond, MIN_ACHIEVED_SHARE * 100, wall, seconds));
    }
    return new CapacityReport.Step(
        offered, achieved, ok / wall, requests, ok, shed, serverErrors, timeouts, MixedLatency.of(answered), cpuSeconds,
        host.busySeconds(), host.cores(), failures.isEmpty(), List.copyOf(failures), List.copyOf(routes), wall, rerun, processes);
  }

  /**
   * Why a route broke its objective in a step, if it did. Availability breaks when the step's bad
   * requests show the objective missed at 95 % confidence (as in a run's verdict); a latency
   * percentile counts only when the route had enough answered requests in the step for it to be
   * more than its slowest few ({@link #MIN_FOR_P95}, {@link #MIN_FOR_P99}): at low
   * rates a rare route has a handful of requests per step, and one slow answer on a busy machine
   * would end the search without saying anything about the platform's capacity. Higher steps carry
   * enough of every route to judge it.
   */
  static Optional<String> routeFailure(RouteMeasure m, RunReport.RouteResult result) {
    if (result.objective() == null || result.verdict().met()) {
      return Optional.empty();
    }
    List<String> reasons = new ArrayList<>();
    // The run verdict's binomial test (AvailabilityEvidence, 95 %), not the measured availability:
    // one shed of 929 reads is 99.89 % measured, and a route exactly at 99.9 % fails at least once in
    // 929 requests six times in ten; three S4 searches in a row ended on 1-14 sheds per route, at
    // 405-939 req/s on one build (docs/performance.md). Real shedding is soon far past the test.
    if (!result.verdict().availabilityMet()) {
      reasons.add(String.format("availability %.2f %% < %.2f %% (%d shed, %d 5xx, %d unanswered of %d; missed at %.0f %% confidence)",
          result.availabilityPercent(), result.objective().availabilityPercent(), m.shed(), m.serverErrors(), m.timeouts(), m.requests(),
          AvailabilityEvidence.CONFIDENCE * 100));
    }
    // The step's own thresholds, not the run verdict's (which leaves a percentile unjudged below
    // ⌈5 / (1 − q)⌉ answered requests): a step is short, and its search needs an answer per step.
    if (m.ok() >= MIN_FOR_P95 && m.okLatency().p95Millis() > result.objective().p95Millis()) {
      reasons.add(String.format("p95 %.1f ms > %d ms", m.okLatency().p95Millis(), result.objective().p95Millis()));
    }
    if (m.ok() >= MIN_FOR_P99 && m.okLatency().p99Millis() > result.objective().p99Millis()) {
      reasons.add(String.format("p99 %.1f ms > %d ms", m.okLatency().p99Millis(), result.objective().p99Millis()));
    }
    return reasons.isEmpty() ? Optional.empty()
        : Optional.of(m.method() + " " + m.route() + ": " + String.join("; ", reasons) + " (" + m.ok() + " answered)");
  }

  private static CapacityReport assemble(
      Options options, ScenarioDefinition scenario, Map<Action, Double> mix, Platform platform, Load load, double ceiling,
      Instant started, OptionalDouble loadAtStart, List<CapacityReport.Step> steps, List<CapacityReport.Step> warm) {
    int nodes = options.nodes().orElse(platform.nodes());
    int cores = options.coresPerNode().orElse(platform.startedByRun() ? Runtime.getRuntime().availableProcessors() : 0);
    double sustainable = StepRule.sustainable(steps).orElse(0);
    double perNode = sustainable / nodes;
    LatencyKnee.Knee knee = LatencyKnee.of(steps);
    List<CapacityReport.ScenarioNeed> needs = new ArrayList<>();
    if (perNode > 0) {
      for (String id : Scenarios.BUILT_IN) {
        ScenarioDefinition s = Scenarios.load(id);
        needs.add(need(s, s.apiMix().equals(mix), perNode, options.utilisation()));
      }
      if (!Scenarios.BUILT_IN.contains(scenario.id())) {
        needs.add(need(scenario, true, perNode, options.utilisation()));
      }
    }
    double cpu = 0;
    long requests = 0;
    for (CapacityReport.Step s : steps) {
      if (s.met()) {
        cpu += s.cpuSeconds();
        requests += s.requests();
      }
    }
    double cpuMillisPerRequest = requests == 0 ? 0 : cpu * 1000 / requests;
    return new CapacityReport(
        CapacityReport.SCHEMA_VERSION, options.runId(), started, Instant.now(), scenario.id(), platform.api().toString(), nodes, cores,
        host(loadAtStart), load.generator(), ceiling, options.stepDuration().toMillis() / 1000.0, List.copyOf(steps), sustainable, perNode,
        knee.perSecond().orElse(0), limitedBy(steps, options), options.utilisation(), List.copyOf(needs),
        knee.explanation() + " [" + LatencyKnee.METHOD + "]", StepRule.DESCRIPTION + "; " + STEP_VERDICT, cpuMillisPerRequest,
        marginalCpuMillisPerRequest(steps), List.copyOf(warm));
  }

  /**
   * The platform's CPU per extra request, in ms: the least-squares slope of cores busy (CPU seconds
   * per second of the step) over requests answered per second, across the steps that met every
   * objective. Unlike CPU over requests it leaves out what an idle node spends anyway (cluster
   * heartbeats, the outbox relay's polling, metrics); 0 when fewer than two such steps were measured
   * or the slope is not positive (noise larger than the signal).
   */
  static double marginalCpuMillisPerRequest(List<CapacityReport.Step> steps) {
    List<CapacityReport.Step> met = steps.stream().filter(s -> s.met() && s.cpuSeconds() > 0 && s.wallSeconds() > 0).toList();
    if (met.size() < 2) {
      return 0;
    }
    double meanX = met.stream().mapToDouble(CapacityReport.Step::achievedPerSecond).average().orElse(0);
    double meanY = met.stream().mapToDouble(s -> s.cpuSeconds() / s.wallSeconds()).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    for (CapacityReport.Step s : met) {
      double dx = s.achievedPerSecond() - meanX;
      sxy += dx * (s.cpuSeconds() / s.wallSeconds() - meanY);
      sxx += dx * dx;
    }
    return sxx > 0 && sxy > 0 ? sxy / sxx * 1000 : 0;
  }

  /** Nodes {@code scenario} needs at its peak hour when one node sustains {@code perNode} at {@code utilisation}. */
  static CapacityReport.ScenarioNeed need(ScenarioDefinition scenario, boolean mixAsMeasured, double perNode, double utilisation) {
    PeakHour peak = PeakHour.of(scenario);
    double exact = peak.apiPerSecond() / (perNode * utilisation);
    return new CapacityReport.ScenarioNeed(
        scenario.id(), peak.apiPerSecond(), exact, Math.max(1, (int) Math.ceil(exact)), peak.tilesPerSecond(), mixAsMeasured,
        peak.dayApiRequests());
  }

  /** What ended the search, in a sentence. */
  static String limitedBy(List<CapacityReport.Step> steps, Options options) {
    Optional<CapacityReport.Step> broken = CapacityReport.brokenTwice(steps);
    if (broken.isPresent()) {
      CapacityReport.Step b = broken.get();
      return String.format("%.1f req/s broke twice: %s%s", b.offeredPerSecond(), CapacityLimit.firstReasons(b.failures()), busy(b));
    }
    CapacityReport.Step last = steps.get(steps.size() - 1);
    if (last.met()) {
      return String.format("nothing broke up to %.1f req/s: the next step would pass --max %.0f; the capacity is higher",
          last.offeredPerSecond(), options.maxPerSecond());
    }
    return String.format("stopped at %.1f req/s after one broken run: %s%s", last.offeredPerSecond(), CapacityLimit.firstReasons(last.failures()), busy(last));
  }

  /**
   * How busy the platform and the whole host were in a step, when measured: a node that breaks its
   * objectives with cores to spare is held up by something else — the other processes on a shared
   * machine (the host's figure tells), or a wait of its own (database, locks) — not by its CPU.
   */
  private static String busy(CapacityReport.Step step) {
    String host = step.hostCores() > 0
        ? String.format("the whole host %.2f of %d", step.hostCpuSeconds() / step.wallSeconds(), step.hostCores())
        : "";
    if (step.cpuSeconds() <= 0) {
      return host.isEmpty() ? "" : " (" + host + " cores busy)";
    }
    return String.format(" (the platform kept %.2f of %d cores busy%s)", step.cpuSeconds() / step.wallSeconds(),
        Runtime.getRuntime().availableProcessors(), host.isEmpty() ? "" : ", " + host);
  }

  private static Platform platform(Options options, ScenarioDefinition scenario, Path dir) {
    if (options.target().isPresent()) {
      URI api = options.target().get();
      return Platform.remote(api, ServerSampler.metricsBeside(api, 9095));
    }
    // the domain clock shows the scenario's peak hour, so time-dependent state looks as it does then
    Instant peakToday = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant()
        .plusSeconds(PeakHour.of(scenario).hour() * 3600L);
    return PlatformProcess.start(options.serveCommand(), options.serveEnvironment(), options.runId(), 1, peakToday, dir.resolve("platform.log"));
  }

  /** This machine, its cores and how busy it was (1-minute load average at the start and the end). */
  private static String host(OptionalDouble loadAtStart) {
    String name;
    try {
      name = java.net.InetAddress.getLocalHost().getHostName() + ", ";
    } catch (java.net.UnknownHostException e) {
      name = "";
    }
    OptionalDouble loadAtEnd = loadAverage();
    String load = loadAtStart.isPresent() && loadAtEnd.isPresent()
        ? String.format(", load average %.1f at the start, %.1f at the end", loadAtStart.getAsDouble(), loadAtEnd.getAsDouble())
        : "";
    return name + Runtime.getRuntime().availableProcessors() + " cores" + load;
  }

  /** The 1-minute load average of this machine; on a shared machine it says how much the figures are worth. */
  private static OptionalDouble loadAverage() {
    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return load < 0 ? OptionalDouble.empty() : OptionalDouble.of(load);
  }

  /** The line printed every few seconds while a step runs. */
  private static final class Ticker implements AutoCloseable {
    private final ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "capacity-progress");
      t.setDaemon(true);
      return t;
    });

    // A fixed-rate schedule that runs until its executor is shut down.
    @SuppressWarnings("FutureReturnValueIgnored")
    Ticker(PrintStream out, Load load, String phase, double rate, boolean rerun, Duration stepDuration) {
      Progress.Figures atStart = load.figures();
      long startNanos = System.nanoTime();
      every.scheduleAtFixedRate(() -> {
        try {
          Progress.Figures now = load.figures();
          double elapsed = (System.nanoTime() - startNanos) / 1e9;
          long sent = now.requests() - atStart.requests();
          out.printf("  %s%s %.1f req/s: %3.0f s of %d | %,d req (%.1f/s) | %,d ok | %,d shed | %,d err%n",
              phase, rerun ? " (re-run)" : "", rate, elapsed, stepDuration.toSeconds(), sent, sent / Math.max(1e-9, elapsed),
              now.ok() - atStart.ok(), now.shed() - atStart.shed(), now.errors() - atStart.errors());
        } catch (RuntimeException e) {
          // the progress line must never break a search
        }
      }, PROGRESS_EVERY.toSeconds(), PROGRESS_EVERY.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      every.shutdownNow();
    }
  }
}

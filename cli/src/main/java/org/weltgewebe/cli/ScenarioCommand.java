package org.weltgewebe.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.DatabaseBootstrap;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.ServiceProblem;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.scenarios.SmokeScenario;
import org.weltgewebe.scenarios.definition.Scenarios;
import org.weltgewebe.scenarios.cluster.ClusterLoad;
import org.weltgewebe.scenarios.local.RunServices;
import org.weltgewebe.scenarios.run.CapacityFinder;
import org.weltgewebe.scenarios.run.Load;
import org.weltgewebe.scenarios.run.LoadContext;
import org.weltgewebe.scenarios.run.ScenarioLoads;
import org.weltgewebe.scenarios.fault.FaultPlan;
import org.weltgewebe.scenarios.fault.FaultRun;
import org.weltgewebe.scenarios.run.PlatformProcess;
import org.weltgewebe.scenarios.run.RunOptions;
import org.weltgewebe.scenarios.run.ScenarioRun;
import org.weltgewebe.scenarios.run.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weltgewebe scenario …}: replays traffic against the platform. */
@Command(
    name = "scenario",
    mixinStandardHelpOptions = true,
    description = "Run traffic scenarios against the platform.",
    subcommands = {ScenarioCommand.Run.class, ScenarioCommand.Ceiling.class, ScenarioCommand.Capacity.class})
final class ScenarioCommand extends CommandGroup {
  /** {@code weltgewebe scenario ceiling --target URL}. */
  @Command(
      name = "ceiling",
      mixinStandardHelpOptions = true,
      description = {
        "Measure the load generator's own ceiling on this machine: the highest rate of answered",
        "GET /health/live it reaches against a running platform (ramp 100 -> 8,000 req/s). Compare",
        "with wrk (scenarios/bench/generator-ceiling.sh does both)."
      })
  static final class Ceiling implements Callable<Integer> {
    @Option(names = "--target", required = true, paramLabel = "URL", description = "The running platform, e.g. http://127.0.0.1:8080.")
    URI target;

    @Option(names = "--duration", defaultValue = "10s", paramLabel = "D", description = "Length of the ramp (default ${DEFAULT-VALUE}).")
    String duration;

    @Override
    public Integer call() {
      double ceiling = ScenarioLoads.ceiling(target, Run.parseDuration(duration));
      System.out.printf("generator ceiling: %.0f req/s (GET /health/live, best second)%n", ceiling);
      return 0;
    }
  }

  /** {@code weltgewebe scenario run NAME}. */
  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = {
        "Replay a traffic scenario against the platform through its real HTTP, SSE and WebSocket API",
        "(Gatling), judge every route against its SLO, overload it to check load shedding, check that",
        "every persisted event reached JetStream, the read models and the SSE watchers, and write",
        "reports/<run-id>/report.json. Without --target the run starts the platform itself and stops it;",
        "without --db-url / --nats-url (or WELTGEWEBE_DB_URL / WELTGEWEBE_NATS_URL) it also starts a",
        "private PostgreSQL and nats-server for the run and removes them afterwards.",
        "Exit code 0 when every verdict passed, 1 when an SLO, the shedding check or the oracle failed,",
        "2 for wrong arguments.",
        "Scenarios: S1, S2, S3, S4 (scenarios/definitions), a definition file, or smoke."
      })
  static final class Run implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "S1, S2, S3, S4, a definition file, or smoke.")
    String scenario;

    @Mixin LoadRunOptions load;

    @Option(names = "--compress", paramLabel = "N",
        description = "Replay N times faster than real time (a day in 24 h / N); the platform's clock runs N times faster too. Default 960 (the day in 90 s; with a 20-s overload the run ends within about 5 min), or what --duration implies.")
    Double compress;

    @Option(names = "--duration", paramLabel = "D",
        description = "Wall time of the replay, e.g. 90s, 5m, 1h. With --compress: a slice of duration × N virtual time around the peak hour; alone: the whole day in D.")
    String duration;

    @Option(names = "--target-metrics", paramLabel = "URL", description = "Its Prometheus endpoint (default: port 9095 of the --target host).")
    URI targetMetrics;

    @Option(names = "--overload", paramLabel = "F", description = "Overload phase at F times the sustainable rate (default: the scenario's, 3).")
    Double overloadFactor;

    @Option(names = "--overload-duration", paramLabel = "D", description = "Length of the overload phase (default: 20s on the default run, else the scenario's, 60s).")
    String overloadDuration;

    @Option(names = "--sustainable", paramLabel = "RPS", description = "Sustainable request rate to overload from; skips the probe that finds it.")
    Double sustainable;

    @Option(names = "--abort-on-burn", description = "Stop the run early when a route burns its error budget faster than the scenario's abort rate "
        + "(14.4x over the last minute, the SRE workbook's paging threshold); the report says why, the exit code is 1.")
    boolean abortOnBurn;

    @Option(names = "--coverage", paramLabel = "D",
        description = "At most D of a coverage phase after the probe: API routes with fewer than 600 requests get equal shares of the"
            + " lowest rate that brings each to enough data for a p99 verdict within D (a tenth to a half of the sustainable rate;"
            + " default 120s; 0 = none).")
    String coverage;

    @Option(names = "--coverage-requests", paramLabel = "N",
        description = "Requests the coverage phase brings each API route to (default 600: enough for a p99 verdict). An availability"
            + " verdict needs more: 2,995 requests without a failure at 99.9 %, 5,990 at 99.95 %; give --coverage the time that takes.")
    Long coverageRequests;

    /** Which load generator replays the scenario. */
    enum Driver { http, cluster }

    @Option(names = "--driver", paramLabel = "KIND", defaultValue = "http",
        description = "http: Gatling's virtual users through the HTTP, SSE and WebSocket API (default); cluster: virtual users inside the platform's nodes,"
            + " commands through sharding, no HTTP (joins the platform's cluster; with --target give --seed-nodes). Default ${DEFAULT-VALUE}.")
    Driver driver;

    @Mixin NodeOptions node;

    @Mixin TopologyOptions topology = new TopologyOptions();

    @Option(names = "--nodes", paramLabel = "N", description = "Start a cluster of N platform nodes (each its own JVM and ports) behind Caddy"
        + " instead of one node; with --fault, inject faults into it and judge the run from the journal, stream and read models (faults.json)."
        + " Default: the scenario file's \"faults\".nodes, else 3 with --fault, else 1.")
    Integer nodes;

    @Option(names = "--fault", paramLabel = "PLAN", description = "Faults at wall times after the main phase's start, e.g."
        + " kill@40s,pause@100s/10s,partition@150s/30s,nats-restart@200s/5s,pg-restart@230s/5s (KIND@AT[/DURATION][:NODE]; docs/faults.md)."
        + " Default: the scenario file's \"faults\".plan, if any.")
    String fault;

    @Option(names = "--fault-writers", paramLabel = "N", defaultValue = "3", description = "Fault runs: writers that keep a ledger of"
        + " acknowledged writes beside the scenario's load, for the lost-writes verdict (default ${DEFAULT-VALUE}).")
    int faultWriters;

    @Override
    public Integer call() {
      if ("smoke".equalsIgnoreCase(scenario)) {
        return smoke();
      }
      try {
        Scenarios.load(scenario);
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
      if (coverageRequests != null && coverageRequests < 1) {
        System.err.println("--coverage-requests must be at least 1, not " + coverageRequests);
        return 2;
      }
      if (driver == Driver.cluster && load.target != null && node.seedNodes == null) {
        System.err.println("--driver cluster with --target needs --seed-nodes host:port: the cluster address of a platform node to join");
        return 2;
      }
      java.util.Optional<String> conflict = topology.conflict(load.target != null, driver == Driver.cluster);
      if (conflict.isPresent()) {
        System.err.println(conflict.get());
        return 2;
      }
      Optional<FaultPlan> plan;
      int nodeCount;
      try {
        Optional<FaultPlan.FromScenario> fromFile = FaultPlan.ofScenario(scenario);
        String planText = fault != null ? fault : fromFile.map(FaultPlan.FromScenario::plan).orElse(null);
        nodeCount = nodes != null ? nodes : fromFile.map(FaultPlan.FromScenario::nodes).orElse(planText != null ? 3 : 1);
        plan = planText != null ? Optional.of(FaultPlan.parse(planText, nodeCount))
            : nodeCount > 1 ? Optional.of(new FaultPlan(List.of())) : Optional.empty();
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
      if (plan.isPresent()) {
        Optional<String> why = load.target != null ? Optional.of("--nodes/--fault start their own cluster; they do not go with --target")
            : topology.kind == TopologyOptions.Kind.proxied ? Optional.of("--nodes/--fault put Caddy in front of the cluster themselves; drop --topology proxied")
            : driver == Driver.cluster ? Optional.of("--nodes/--fault judge what HTTP clients saw acknowledged; use --driver http")
            : FaultRun.unavailable(plan.get());
        if (why.isPresent()) {
          System.err.println(why.get());
          return 2;
        }
      }
      Config config;
      try {
        config = NodeConfig.load(node.overrides());
      } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
        System.err.println(e.getMessage());
        return 2;
      }
      String runId = node.runId != null ? node.runId : RunOptions.newRunId(scenario.toUpperCase(Locale.ROOT));
      boolean restartsServices = plan.isPresent() && plan.get().restartsServices();
      try (RunServices services = services(config, node, load.target != null, load.reportsDir.resolve(runId), restartsServices)) {
        DatabaseSettings db = DatabaseBootstrap.prepare(services.database());
        NatsSettings nats = services.nats();
        OutboxSettings outbox = OutboxSettings.fromConfig(config);
        RunOptions options = RunOptions.builder(scenario, runId, load.reportsDir, db, nats, outbox)
            .compression(compress)
            .duration(duration == null ? null : parseDuration(duration))
            .target(load.target)
            .targetMetrics(targetMetrics)
            .overloadFactor(overloadFactor)
            .overloadDuration(overloadDuration == null ? null : parseDuration(overloadDuration))
            .sustainablePerSecond(sustainable)
            .seed(load.seed)
            .serveCommand(ServeCommandLine.thisProgram())
            .sloDefinitions(load.slos)
            .abortOnBurn(abortOnBurn)
            .coverageMax(coverage == null ? null : parseDuration(coverage))
            .coverageRequests(coverageRequests)
            .build();
        Topology chosen = plan.isPresent()
            ? new FaultRun(new FaultRun.Settings(nodeCount, plan.get(), faultWriters, Duration.ofMillis(200), db, nats,
                services.natsRestart(), services.postgresRestart()))
            : topology.topology(db);
        ScenarioRun.Outcome outcome = ScenarioRun.run(options, chosen, loads(), System.out);
        return outcome.exitCode();
      } catch (ServiceProblem e) {
        System.err.println(e.getMessage());
        return 2;
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      } catch (IllegalStateException e) {
        // the load generator or the platform gave up (Gatling crashed, a worker failed, the node did not start)
        System.err.println("the run could not go on: " + e.getMessage());
        return 1;
      }
    }

    /** The chosen driver; the cluster driver joins the platform the run started, or the --seed-nodes given. */
    private Function<LoadContext, Load> loads() {
      if (driver == Driver.cluster) {
        return context -> ClusterLoad.join(context,
            context.clusterSeedNodes().isEmpty() ? givenSeedNodes() : context.clusterSeedNodes());
      }
      return ScenarioLoads::gatling;
    }

    private List<String> givenSeedNodes() {
      return node.seedNodes == null ? List.of()
          : java.util.Arrays.stream(node.seedNodes.split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList();
    }

    static Duration parseDuration(String text) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      try {
        if (t.startsWith("p")) {
          return Duration.parse(text.toUpperCase(Locale.ROOT));
        }
        long n = Long.parseLong(t.replaceAll("[a-z]+$", ""));
        String unit = t.replaceAll("^[0-9]+", "");
        return switch (unit) {
          case "", "s" -> Duration.ofSeconds(n);
          case "m", "min" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> throw new IllegalArgumentException("unit");
        };
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("not a duration: '" + text + "' (examples: 90s, 5m, 1h, PT2M)");
      }
    }

    private Integer smoke() {
      Config config = NodeConfig.load(node.overrides());
      String runId = node.runId != null ? node.runId : RunOptions.newRunId("SMOKE");
      try (RunServices services = services(config, node, false, load.reportsDir.resolve(runId))) {
        var overrides =
            services.asConfig()
                .withFallback(node.overrides())
                .withFallback(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0\n"
                    // beside a running `serve`, which holds 9095; --metrics-port names one
                    + "weltgewebe.metrics.port = 0"));
        try (WeaveNode weaveNode = WeaveNode.start(overrides)) {
          SmokeScenario.runOn(weaveNode, System.out);
        }
        return 0;
      } catch (ServiceProblem e) {
        System.err.println(e.getMessage());
        return 2;
      }
    }
  }

  /**
   * The run's PostgreSQL and NATS: what the user gave, or private ones in {@code runDir}/services.
   * A run against a platform it did not start ({@code external}) reads that platform's services,
   * which only the configuration can name.
   */
  static RunServices services(Config config, NodeOptions node, boolean external, Path runDir) {
    return services(config, node, external, runDir, false);
  }

  /** As above; {@code restartable}: a fault plan restarts NATS and PostgreSQL, so both are the run's own whatever was given. */
  static RunServices services(Config config, NodeOptions node, boolean external, Path runDir, boolean restartable) {
    boolean database = external || RunServices.given(config, "weltgewebe.db.url", "WELTGEWEBE_DB_URL", node.dbUrl != null);
    boolean nats = external || RunServices.given(config, "weltgewebe.nats.url", "WELTGEWEBE_NATS_URL", node.natsUrl != null);
    return RunServices.start(config, database, nats, runDir.resolve("services"), System.out, restartable);
  }

  /** {@code weltgewebe scenario capacity S}. */
  @Command(
      name = "capacity",
      mixinStandardHelpOptions = true,
      description = {
        "Find how much one node carries. Starts the platform (or drives --target),",
        "warms it up, then offers the scenario's API request mix open-model in steps",
        "of rising rate (start, start x factor, ...) and judges each step against the",
        "per-route SLOs (availability with shed 503s counted as bad, p95, p99) and",
        "against answering at least 90 %% of what was sent. A broken step is run once",
        "more at the same rate; two breaks in a row end the stepping up, and the gap",
        "below the break is then halved until it is at most --resolution.",
        "Prints a table of the steps, the highest sustainable rate per node, the knee",
        "of the latency curve (Kneedle), CPU per request when the platform runs here,",
        "and the nodes S1-S4 need at their peak hour; writes",
        "reports/<run-id>/capacity.json.",
        "Exit code 0 when a sustainable rate was found, 1 when not even the first",
        "step held, 2 for wrong arguments."
      })
  static final class Capacity implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "S1, S2, S3, S4, or a definition file: whose request mix to offer.")
    String scenario;

    @Mixin LoadRunOptions load;

    @Option(names = "--nodes", paramLabel = "N", description = "Nodes behind --target (default 1); the rate per node divides by it.")
    Integer nodes;

    @Option(names = "--cores-per-node", paramLabel = "N", description = "Cores of each node behind --target, for the report (default: this machine's when started here).")
    Integer coresPerNode;

    @Option(names = "--start", paramLabel = "R", defaultValue = "10", description = "First step's rate in req/s (default ${DEFAULT-VALUE}).")
    double start;

    @Option(names = "--factor", paramLabel = "F", defaultValue = "1.4", description = "Each step's rate is the previous one's times F, above 1 and at most 4 (default ${DEFAULT-VALUE}).")
    double factor;

    @Option(names = "--max", paramLabel = "R", defaultValue = "2000", description = "No step above R req/s (default ${DEFAULT-VALUE}).")
    double max;

    @Option(names = "--resolution", paramLabel = "Q", defaultValue = "1.1",
        description = "After a break, run rates between the highest that held and the lowest that broke until they are at most Q apart; 1 refines nothing (default ${DEFAULT-VALUE}).")
    double resolution;

    @Option(names = "--step-duration", paramLabel = "D", defaultValue = "25s", description = "Length of each step, e.g. 20s (default ${DEFAULT-VALUE}).")
    String stepDuration;

    @Option(names = "--warmup", paramLabel = "D", defaultValue = "60s", description = "Unjudged load before the first step, the mix climbing from --start to --warmup-rate; 0 skips it (default ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--warmup-rate", paramLabel = "R", defaultValue = "300", description = "Where the warm-up's climb ends, in req/s (at most --max; default ${DEFAULT-VALUE}).")
    double warmupRate;

    @Option(names = "--warmup-max", paramLabel = "D", defaultValue = "300s",
        description = "After the climb, hold --warmup-rate in 20-s rounds until the node's CPU per request stops falling by 5 %% (the JIT compiling), for at most D; 0 holds nothing (default ${DEFAULT-VALUE}).")
    String warmupMax;

    @Option(names = "--ceiling-duration", paramLabel = "D", defaultValue = "8s", description = "Measure the generator's own ceiling this long first; 0 skips it (default ${DEFAULT-VALUE}).")
    String ceilingDuration;

    @Option(names = "--utilisation", paramLabel = "U", defaultValue = "0.6", description = "Target utilisation of a node when sizing S1-S4, in (0, 1] (default ${DEFAULT-VALUE}).")
    double utilisation;

    @Mixin NodeOptions node;

    /** This search's run id, chosen once. */
    private String runId;

    @Override
    public Integer call() {
      CapacityFinder.Options options;
      Config config;
      try {
        Scenarios.load(scenario);
        config = NodeConfig.load(node.overrides());
        options = options(Map.of());
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
      if (load.target != null) {
        return search(options);
      }
      try (RunServices services = services(config, node, false, load.reportsDir.resolve(options.runId()))) {
        DatabaseSettings db = DatabaseBootstrap.prepare(services.database());
        return search(options(PlatformProcess.environment(db, services.nats(), OutboxSettings.fromConfig(config))));
      } catch (ServiceProblem e) {
        System.err.println(e.getMessage());
        return 2;
      }
    }

    private int search(CapacityFinder.Options options) {
      CapacityFinder.Outcome outcome = CapacityFinder.run(options, ScenarioLoads::gatling, System.out);
      if (outcome.exitCode() != 0) {
        System.err.printf("no sustainable rate: %s%n", outcome.report().limitedBy());
      }
      return outcome.exitCode();
    }

    /** The options as given; {@code environment} is what a platform started here runs with. */
    CapacityFinder.Options options(Map<String, String> environment) {
      if (runId == null) {
        runId = node.runId != null ? node.runId : RunOptions.newRunId("CAP-" + scenario.toUpperCase(Locale.ROOT));
      }
      return new CapacityFinder.Options(
          scenario,
          Optional.ofNullable(load.target),
          nodes == null ? OptionalInt.empty() : OptionalInt.of(nodes),
          coresPerNode == null ? OptionalInt.empty() : OptionalInt.of(coresPerNode),
          start,
          factor,
          max,
          resolution,
          Run.parseDuration(stepDuration),
          Run.parseDuration(warmup),
          warmupRate,
          Run.parseDuration(warmupMax),
          Run.parseDuration(ceilingDuration),
          utilisation,
          runId,
          load.reportsDir,
          load.seed,
          load.target == null ? ServeCommandLine.thisProgram() : List.of(),
          environment,
          Optional.ofNullable(load.slos));
    }
  }
}

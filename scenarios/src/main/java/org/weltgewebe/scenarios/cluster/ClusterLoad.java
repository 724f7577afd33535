package org.weltgewebe.scenarios.cluster;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.cluster.load.LoadWorker;
import org.weltgewebe.cluster.load.ShareCollector;
import org.weltgewebe.cluster.load.Tally;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.UserMap;
import org.weltgewebe.scenarios.run.Load;
import org.weltgewebe.scenarios.run.LoadContext;
import org.weltgewebe.scenarios.run.Progress;
import org.weltgewebe.scenarios.run.RouteMeasure;

/**
 * The in-cluster load driver: a node of its own (role {@code driver}: no shards, no singletons)
 * that joins the platform's cluster, finds every node's {@link LoadWorker} through the
 * Receptionist, hands each worker an equal share of a phase (1/N of the arrival rate and the
 * roles with index ≡ i mod N), waits for them, and merges their histograms into the same
 * per-route measurements and 10-second windows the HTTP driver reports, so the same SLO file
 * and report apply.
 *
 * <p>What it measures is the backend alone — entities, journal, sharding between nodes — without
 * HTTP, JSON or the load shedder in front, and the load it offers grows with the cluster: each
 * added node brings a worker. The virtual users run inside the platform's processes, so the
 * platform's CPU figures include them.
 */
public final class ClusterLoad implements Load {
  /** How long joining the cluster and finding the workers may take. */
  private static final Duration JOIN_WITHIN = Duration.ofSeconds(60);
  private static final Duration ASK = Duration.ofSeconds(5);
  /** Commands carry no HTTP body: bytes received are the HTTP driver's figure. */
  private static final long NO_BYTES = 0;

  private final LoadContext context;
  private final ScenarioDefinition scenario;
  private final ActorSystem<Void> system;
  private final List<ActorRef<LoadWorker.Command>> workers;
  private final UserMap map;
  private final long originEpochMillis = System.currentTimeMillis();
  private final Tally tally = new Tally(originEpochMillis);
  private final AtomicLong sessions = new AtomicLong();
  private final Map<String, LoadWorker.Running> running = new ConcurrentHashMap<>();
  private final AtomicLong collectors = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicReference<String> aborted = new java.util.concurrent.atomic.AtomicReference<>();

  private ClusterLoad(LoadContext context, ActorSystem<Void> system, List<ActorRef<LoadWorker.Command>> workers) {
    this.context = context;
    this.scenario = context.scenario();
    this.system = system;
    this.workers = List.copyOf(workers);
    this.map = UserMap.of(scenario.geography(), context.seed());
  }

  /**
   * Joins the cluster through {@code seedNodes} (host:port of platform nodes) and waits until the
   * workers of every platform node that is up have registered.
   */
  public static ClusterLoad join(LoadContext context, List<String> seedNodes) {
    if (seedNodes.isEmpty()) {
      throw new IllegalArgumentException(
          "the cluster driver needs a platform node's cluster address to join: --seed-nodes host:port");
    }
    var overrides = ConfigFactory.parseMap(Map.of(
            "pekko.remote.artery.canonical.port", 0,
            "weltgewebe.cluster.seed-nodes", String.join(",", seedNodes)))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of("driver")));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeConfig.SYSTEM_NAME, NodeConfig.load(overrides));
    try {
      List<ActorRef<LoadWorker.Command>> workers = awaitWorkers(system, seedNodes);
      return new ClusterLoad(context, system, workers);
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  private static List<ActorRef<LoadWorker.Command>> awaitWorkers(ActorSystem<Void> system, List<String> seedNodes) {
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + JOIN_WITHIN.toNanos();
    while (cluster.selfMember().status() != MemberStatus.up()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not join the platform's cluster at " + seedNodes + " within " + JOIN_WITHIN.toSeconds() + " s");
      }
      sleep(200);
    }
    Set<ActorRef<LoadWorker.Command>> found = Set.of();
    while (System.nanoTime() < deadline) {
      long platformNodes = 0;
      for (Member m : cluster.state().getMembers()) {
        if (m.status() == MemberStatus.up() && m.hasRole("platform")) {
          platformNodes++;
        }
      }
      found = find(system);
      if (!found.isEmpty() && found.size() >= platformNodes) {
        break;
      }
      sleep(250);
    }
    if (found.isEmpty()) {
      throw new IllegalStateException("no load worker registered in the cluster at " + seedNodes
          + " (is weltgewebe.load-worker.enabled off on its nodes?)");
    }
    List<ActorRef<LoadWorker.Command>> sorted = new ArrayList<>(found);
    sorted.sort(Comparator.comparing(ref -> ref.path().toString()));
    return sorted;
  }

  private static Set<ActorRef<LoadWorker.Command>> find(ActorSystem<Void> system) {
    try {
      Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
              system.receptionist(), reply -> Receptionist.find(LoadWorker.KEY, reply), ASK, system.scheduler())
          .toCompletableFuture().get(ASK.toSeconds() + 1, TimeUnit.SECONDS);
      return listing.getServiceInstances(LoadWorker.KEY);
    } catch (Exception e) {
      return Set.of();
    }
  }

  // ---------------------------------------------------------------- phases

  /**
   * The workers have no stop message yet: they finish the phase they run (its deadline bounds it),
   * and every later phase is skipped.
   */
  @Override
  public void abort(String reason) {
    aborted.compareAndSet(null, reason);
  }

  @Override
  public void run(Phase phase) {
    if (aborted.get() != null) {
      return;
    }
    List<CompletableFuture<ShareCollector.Collected>> shares = new ArrayList<>();
    Duration deadline;
    if (phase instanceof Sessions s) {
      deadline = Duration.ofMillis(Math.round(s.virtualHours() * 3600_000 / context.compression()))
          .plusSeconds(Math.round(3 * scenario.sessionMinutes() * 60 / context.compression()) + 180);
      Map<String, Double> actions = new TreeMap<>();
      for (Action a : Action.values()) {
        if (drivable(a) && a != Action.LOGIN && a != Action.LOGOUT && scenario.perSession(a) > 0) {
          actions.put(a.name(), scenario.perSession(a));
        }
      }
      int chatMessages = (int) Math.round(scenario.live().chatMessagesPerChat());
      double chatGap = Math.min(2, scenario.live().feedMinutes() * 60 / context.compression() / Math.max(1, chatMessages));
      List<Double> perHour = new ArrayList<>();
      for (double h : scenario.sessionsPerHour()) {
        perHour.add(h);
      }
      for (int i = 0; i < workers.size(); i++) {
        LoadWorker.Share share = share(phase.name(), i);
        shares.add(send(i, replyTo -> new LoadWorker.RunSessions(share, perHour, s.virtualStartHour(), s.virtualHours(),
            context.compression(), scenario.sessionMinutes(), actions, chatMessages, chatGap, replyTo)));
      }
    } else if (phase instanceof Requests r) {
      deadline = r.duration().plusSeconds(120);
      Map<String, Double> mix = new TreeMap<>();
      r.mix().forEach((a, weight) -> {
        if (drivable(a)) {
          mix.put(a.name(), weight);
        }
      });
      double seconds = r.duration().toMillis() / 1000.0;
      for (int i = 0; i < workers.size(); i++) {
        LoadWorker.Share share = share(phase.name(), i);
        shares.add(send(i, replyTo -> new LoadWorker.RunRequests(share, seconds, r.fromPerSecond(), r.toPerSecond(), mix, replyTo)));
      }
    } else {
      throw new IllegalArgumentException("unknown phase " + phase);
    }
    List<String> failures = new ArrayList<>();
    long end = System.nanoTime() + deadline.toNanos();
    for (CompletableFuture<ShareCollector.Collected> share : shares) {
      try {
        ShareCollector.Collected collected = share.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        // the progress line counts a share once: from its live report until its tally is in
        running.remove(collected.worker());
        collected.entries().forEach(tally::add);
        sessions.addAndGet(collected.sessions());
        if (collected.failure() != null) {
          failures.add(collected.worker() + ": " + collected.failure());
        }
      } catch (TimeoutException e) {
        failures.add("a worker did not finish phase " + phase.name() + " within " + deadline.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the workers", e);
      } catch (Exception e) {
        failures.add(e.toString());
      }
    }
    running.clear();
    if (!failures.isEmpty()) {
      throw new IllegalStateException("phase " + phase.name() + " failed on the cluster's workers: " + String.join("; ", failures));
    }
  }

  private LoadWorker.Share share(String phase, int worker) {
    return new LoadWorker.Share(context.runId(), phase, worker, workers.size(), context.seed(), originEpochMillis,
        scenario.monthlyActiveUsers(), map.cells(), map.cumulativeShares());
  }

  private CompletableFuture<ShareCollector.Collected> send(
      int worker, java.util.function.Function<ActorRef<LoadWorker.Report>, LoadWorker.Command> command) {
    CompletableFuture<ShareCollector.Collected> result = new CompletableFuture<>();
    ActorRef<LoadWorker.Report> collector = system.systemActorOf(
        ShareCollector.create(result, r -> running.put(r.worker(), r)), "share-" + collectors.incrementAndGet(), Props.empty());
    workers.get(worker).tell(command.apply(collector));
    return result;
  }

  /** What a worker can send as an entity command: the API actions and chats, but not search (the read models'), feeds or tiles. */
  static boolean drivable(Action a) {
    return (a.kind() == Action.Kind.API && a != Action.SEARCH) || a == Action.CHAT;
  }

  // ---------------------------------------------------------------- what was measured

  @Override
  public List<RouteMeasure> measures(String phase) {
    Map<String, List<Tally.Stats>> byAction = new TreeMap<>();
    for (Tally.Stats s : tally.stats()) {
      if (s.phase().equals(phase)) {
        byAction.computeIfAbsent(s.action(), a -> new ArrayList<>()).add(s);
      }
    }
    List<RouteMeasure> list = new ArrayList<>();
    byAction.forEach((action, stats) -> {
      Tally.Stats sum = Tally.Stats.sum(phase, -1, action, stats);
      String[] route = route(action);
      list.add(new RouteMeasure(phase, route[0], route[1], sum.requests(), sum.ok(), sum.refused(), 0, sum.failures(),
          sum.timeouts(), NO_BYTES, latency(sum.answered()), latency(sum.okLatency()), latency(null)));
    });
    list.sort(Comparator.comparing(RouteMeasure::route).thenComparing(RouteMeasure::method));
    return list;
  }

  @Override
  public List<RunReport.Window> windows() {
    Map<String, List<Tally.Stats>> byWindow = new LinkedHashMap<>();
    List<RunReport.Window> list = new ArrayList<>();
    for (Tally.Stats s : tally.stats()) {
      String[] route = route(s.action());
      list.add(window(s, route[0], route[1]));
      byWindow.computeIfAbsent(s.phase() + '|' + s.window(), k -> new ArrayList<>()).add(s);
    }
    byWindow.values().forEach(stats -> {
      Tally.Stats first = stats.get(0);
      list.add(window(Tally.Stats.sum(first.phase(), first.window(), "*", stats), "*", "*"));
    });
    list.sort(Comparator.comparingDouble(RunReport.Window::offsetSeconds).thenComparing(RunReport.Window::route));
    return list;
  }

  private static RunReport.Window window(Tally.Stats s, String method, String route) {
    return new RunReport.Window(s.phase(), s.window() * Tally.WINDOW_MILLIS / 1000.0, method, route, s.requests(), s.ok(), 0,
        s.failures() + s.timeouts(), millis(s.answered(), 50), millis(s.answered(), 95), millis(s.answered(), 99));
  }

  /** The method and route template the HTTP API serves a worker's step at, so both drivers report the same routes. */
  static String[] route(String step) {
    if (step.equals("REGISTER")) {
      return new String[] {"POST", "/roles"};
    }
    try {
      Action a = Action.valueOf(step);
      return new String[] {a.method(), a.route()};
    } catch (IllegalArgumentException e) {
      return new String[] {"?", step};
    }
  }

  private static RunReport.Latency latency(Histogram h) {
    if (h == null || h.getTotalCount() == 0) {
      return new RunReport.Latency(0, 0, 0, 0, 0, 0);
    }
    return new RunReport.Latency(millis(h, 50), millis(h, 90), millis(h, 95), millis(h, 99), h.getMaxValue() / 1000.0, h.getMean() / 1000.0);
  }

  private static double millis(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  @Override
  public Progress.Figures figures() {
    long requests = tally.requests();
    long ok = tally.ok();
    long errors = tally.errors();
    long started = sessions.get();
    for (LoadWorker.Running r : running.values()) {
      requests += r.requests();
      ok += r.ok();
      errors += r.errors();
      started += r.sessions();
    }
    return new Progress.Figures(requests, ok, 0, errors, started);
  }

  @Override
  public List<String> cellsByHeat() {
    return map.cells();
  }

  @Override
  public String generator() {
    return "in-cluster virtual users on " + workers.size() + (workers.size() == 1 ? " node" : " nodes")
        + " (sharding, no HTTP): entity commands from a LoadWorker inside each platform node";
  }

  @Override
  public String connectionPolicy() {
    return "no client connections: each node's worker asks the entities through cluster sharding (asks time out after "
        + "the API's 5 s); search, live feeds, tiles and the HTTP layer with its load shedder are not driven";
  }

  /** The sum over the workers of the rate each completes no-op asks to an actor on its own node. */
  @Override
  public double ceiling(Duration duration) {
    List<CompletableFuture<LoadWorker.CeilingMeasured>> measured = new ArrayList<>();
    for (ActorRef<LoadWorker.Command> worker : workers) {
      measured.add(AskPattern.<LoadWorker.Command, LoadWorker.CeilingMeasured>ask(
              worker, reply -> new LoadWorker.MeasureCeiling(duration.toMillis() / 1000.0, reply),
              duration.plusSeconds(20), system.scheduler())
          .toCompletableFuture());
    }
    double total = 0;
    for (CompletableFuture<LoadWorker.CeilingMeasured> m : measured) {
      try {
        total += m.get(duration.toSeconds() + 30, TimeUnit.SECONDS).perSecond();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // a worker that did not answer adds nothing
      }
    }
    return total;
  }

  @Override
  public long sessions() {
    return sessions.get();
  }

  /** The number of workers (platform nodes) the phases are split between. */
  public int nodes() {
    return workers.size();
  }

  /** Leaves the cluster and stops the driver's node. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      system.terminate();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

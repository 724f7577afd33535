package org.weltgewebe.scenarios.fault;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.readmodel.ReadModelProjection;
import org.weltgewebe.reports.FaultReport;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.dr.WriteLedger;
import org.weltgewebe.scenarios.run.Load;
import org.weltgewebe.scenarios.run.Platform;
import org.weltgewebe.scenarios.run.PlatformProcess;
import org.weltgewebe.scenarios.run.Topology;

/**
 * A scenario run against a cluster under faults ({@code scenario run S1 --nodes 3 --fault …}): the
 * run's platform is a {@link NodeCluster} of N nodes behind Caddy; when the main phase's load
 * begins, the {@link FaultInjector} starts the plan's clock and a few writers start keeping a ledger
 * of the writes the platform acknowledged ({@link WriteLedger}); after the drain the run is judged
 * from the journal, the stream and the read models ({@link JournalVerdicts}), the SSE watchers'
 * deliveries, and the clients' per-second goodput around each fault ({@link GoodputDip}), and
 * {@code faults.json} is written beside report.json for the rendered reports' faults section.
 */
public final class FaultRun implements Topology {
  // JSON logs (serve's default) carry "@timestamp"; text logs (WELTGEWEBE_LOG_FORMAT=TEXT) start with the local time of day
  private static final Pattern TIMESTAMP = Pattern.compile("\"@timestamp\":\"([^\"]+)\"");
  private static final Pattern TIME_OF_DAY = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");
  // Pekko's split-brain resolver logs its decision with this phrase (keep-majority: "DownUnreachable", "DownReachable", …)
  private static final String SBR_DECISION = "SBR took decision";
  private static final Duration FAULTS_MAY_OVERRUN = Duration.ofMinutes(8);
  // The generator's start and its set-up user take seconds before the first session; more than this is a stuck generator.
  private static final Duration SESSIONS_BEGIN_WITHIN = Duration.ofMinutes(3);

  /**
   * What the run needs: the node count and plan; the ledger's writers and their pause between
   * writes; the run's database and stream (for the verdicts); and the run's own NATS server and
   * PostgreSQL when the plan restarts them.
   */
  public record Settings(
      int nodes,
      FaultPlan plan,
      int writers,
      Duration writerPause,
      DatabaseSettings db,
      NatsSettings nats,
      Optional<FaultInjector.Restartable> natsService,
      Optional<FaultInjector.Restartable> postgresService) {}

  private final Settings settings;
  private NodeCluster cluster;
  private Optional<Partitions> partitions = Optional.empty();
  private FaultInjector injector;
  private volatile WriteLedger ledger;
  private volatile Load load;
  // set when the load has ended (or the run closes): a clock that has not started by then never starts
  private volatile boolean loadEnded;
  private final List<String> failures = new ArrayList<>();
  private String resolver = "keep-majority of platform nodes";

  public FaultRun(Settings settings) {
    this.settings = settings;
  }

  /** Why this machine cannot run {@code plan}, or empty when it can. */
  public static Optional<String> unavailable(FaultPlan plan) {
    if (plan.partitions()) {
      Optional<String> why = Partitions.unavailable();
      if (why.isPresent()) {
        return why;
      }
    }
    return org.weltgewebe.scenarios.topology.ProxiedTopology.unavailable()
        .filter(why -> why.contains("caddy"))
        .map(why -> "--nodes runs the cluster behind Caddy, which is not installed (Debian: apt-get install caddy)");
  }

  @Override
  public String name() {
    return "faults";
  }

  @Override
  public Platform start(Map<String, String> environment, Function<Map<String, String>, Platform> startNode, Path dir, PrintStream out) {
    throw new UnsupportedOperationException("a fault run starts its nodes from the launch (start(Launch, …))");
  }

  @Override
  public Platform start(PlatformProcess.Launch launch, Function<Map<String, String>, Platform> startNode, Path dir, PrintStream out) {
    if (settings.plan().partitions()) {
      partitions = Optional.of(Partitions.create(launch.runId()));
    }
    resolver = resolverOf(launch.environment());
    try {
      PlatformProcess.Launch nodes = new PlatformProcess.Launch(launch.serveCommand(), launch.environment(), launch.runId(),
          launch.compression(), launch.virtualStart(), dir.resolve("node1.log"), launch.readyWithin());
      cluster = NodeCluster.start(settings.nodes(), nodes, partitions, dir, out);
      injector = new FaultInjector(settings.plan(), cluster, settings.natsService(), settings.postgresService(), out);
      out.printf("faults: %s (times after the main phase's first user session)%n", settings.plan().spelled());
    } catch (RuntimeException e) {
      closeAll();
      throw e;
    }
    return new Platform() {
      @Override
      public URI api() {
        return cluster.api();
      }

      @Override
      public URI metrics() {
        return cluster.metrics();
      }

      @Override
      public OptionalDouble cpuSeconds() {
        return cluster.cpuSeconds();
      }

      @Override
      public int nodes() {
        return cluster.nodes();
      }

      @Override
      public boolean startedByRun() {
        return true;
      }

      @Override
      public List<String> clusterSeedNodes() {
        return cluster.clusterSeedNodes();
      }

      @Override
      public void close() {
        closeAll();
      }
    };
  }

  private void closeAll() {
    loadEnded = true;
    synchronized (this) {
      if (ledger != null) {
        ledger.close();
      }
    }
    if (injector != null) {
      injector.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    partitions.ifPresent(Partitions::close);
  }

  /**
   * The plan's clock and the ledger's writers start with the main phase's first user session, not
   * here: before it, the generator starts and its set-up user creates the world request by request
   * (10–30 s on a loaded machine, at a few requests per second). Started here, that time counted as
   * "before the first fault", so a fault at 20 s had a pre-fault goodput of 0–6/s and no load to hit.
   */
  @Override
  public void loadStarting(Load load) {
    this.load = load;
    long sessionsBefore = load.sessions();
    Thread clock = new Thread(() -> startWhenSessionsBegin(load, sessionsBefore), "fault-clock");
    clock.setDaemon(true);
    clock.start();
  }

  private void startWhenSessionsBegin(Load load, long sessionsBefore) {
    long deadline = System.nanoTime() + SESSIONS_BEGIN_WITHIN.toNanos();
    while (load.sessions() <= sessionsBefore && !loadEnded && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    synchronized (this) {
      if (loadEnded || load.sessions() <= sessionsBefore) {
        return; // finish() reports that the faults never started
      }
      ledger = WriteLedger.start(cluster.api(), settings.writers(), settings.writerPause());
      injector.start();
    }
  }

  @Override
  public boolean measures() {
    return true;
  }

  /** After the load phases: the faults that still run end (a restarted node becomes ready), then the writers stop. */
  @Override
  public void measure(Measure measure) {
    endFaultsAndWriters(measure.out());
  }

  private void endFaultsAndWriters(PrintStream out) {
    WriteLedger started;
    synchronized (this) {
      loadEnded = true;
      started = ledger;
    }
    if (injector != null && injector.mainStart() != null && !injector.awaitAll(FAULTS_MAY_OVERRUN)) {
      out.println("faults: not every fault ended within " + FAULTS_MAY_OVERRUN.toMinutes() + " min after the load");
    }
    if (started != null) {
      started.close();
    }
  }

  @Override
  public void finish(RunReport report, Path dir, PrintStream out) {
    endFaultsAndWriters(out);
    if (injector == null || injector.mainStart() == null || load == null || ledger == null) {
      failures.add("the faults never started (no user session of the main phase began)");
      return;
    }
    Instant mainStart = injector.mainStart();
    long startSecond = mainStart.getEpochSecond();
    List<FaultReport.Point> timeline = new ArrayList<>();
    // The main phase ends after its last second. (Not at the first second of another phase: the
    // generator's ceiling probe just before it can share its first epoch second, which made every
    // fault's horizon 0 and its dip unjudged.)
    int mainEnds = -1;
    for (Load.Second s : load.seconds()) {
      int offset = (int) (s.epochSecond() - startSecond);
      if (offset < 0) {
        continue;
      }
      if (s.phase().equals("main")) {
        mainEnds = Math.max(mainEnds, offset + 1);
      }
      timeline.add(new FaultReport.Point(offset, s.requests(), s.ok(), s.shed(), s.failed(), s.okP95Millis()));
    }
    long[] ok = GoodputDip.okPerSecond(timeline);
    List<FaultInjector.Done> done = injector.done();
    List<FaultReport.Injected> injected = new ArrayList<>();
    for (int i = 0; i < done.size(); i++) {
      FaultInjector.Done d = done.get(i);
      int at = seconds(mainStart, d.began());
      int previousEnd = i == 0 ? -1 : seconds(mainStart, done.get(i - 1).ended());
      int horizon = Math.min(mainEnds < 0 ? Integer.MAX_VALUE : mainEnds, i + 1 < done.size() ? seconds(mainStart, done.get(i + 1).began()) : Integer.MAX_VALUE);
      FaultReport.Dip dip = GoodputDip.of(ok, at, previousEnd, horizon);
      Instant until = i + 1 < done.size() && done.get(i + 1).began().isBefore(d.ended().plusSeconds(60)) ? done.get(i + 1).began() : d.ended().plusSeconds(60);
      Double downing = d.fault().kind().hitsNode() ? downingSeconds(d.began(), until) : null;
      injected.add(new FaultReport.Injected(d.fault().kind().spelled(), d.fault().spelled(), d.fault().node(),
          Duration.between(mainStart, d.began()).toMillis() / 1000.0, Duration.between(mainStart, d.ended()).toMillis() / 1000.0,
          d.detail(), downing, dip));
    }
    injector.problems().forEach(p -> failures.add("fault not injected: " + p));

    List<String> acknowledged = ledger.acks().stream().map(WriteLedger.Ack::persistenceId).toList();
    FaultReport.Verdicts verdicts;
    try {
      JournalVerdicts.Result r = JournalVerdicts.judge(settings.db(), settings.nats(), acknowledged, ReadModelProjection.CONSUMER);
      List<FaultReport.Watcher> watchers = report.oracle().watchers().stream()
          .map(w -> new FaultReport.Watcher(w.feed(), w.expected(), w.delivered(), w.duplicates(), w.reconnects())).toList();
      verdicts = new FaultReport.Verdicts(r.journalEvents(), r.acknowledged(), r.acknowledgedLost(), r.lostExamples(),
          r.interleavedWriters(), r.interleavedExamples(), r.sequenceGaps(), r.gapExamples(), r.streamEvents(), r.missingFromStream(),
          r.duplicatedInStream(), r.unexpectedInStream(), r.streamExamples(), r.readModelEvents(), watchers);
      judge(r, watchers);
    } catch (Exception e) {
      failures.add("the verdicts could not be read: " + e);
      verdicts = null;
    }
    List<String> notes = new ArrayList<>();
    notes.add(String.format("%d writers kept a ledger of %d acknowledged writes (%d failed writes: %s)", settings.writers(),
        acknowledged.size(), ledger.failures(), ledger.failureKinds()));
    notes.add("server figures (CPU, heap, queues) in report.json are node 1's metrics endpoint and the CPU of all nodes' processes");
    FaultReport faults = new FaultReport(FaultReport.SCHEMA_VERSION, report.runId(), settings.nodes(), settings.plan().spelled(),
        partitions.isPresent() ? Partitions.METHOD : "no partition in the plan",
        resolver, injected, timeline, verdicts, failures.isEmpty(),
        failures, notes);
    faults.write(dir);
    print(faults, out);
  }

  /**
   * The split-brain resolver as the nodes run it: the strategy (cluster.conf) and the two settings that
   * bound the downing time, as the run's environment sets them or their defaults.
   */
  static String resolverOf(Map<String, String> environment) {
    return String.format("keep-majority of platform nodes; stable-after %s, failure detector's acceptable heartbeat pause %s"
            + " (downing within about their sum after a node becomes unreachable; cluster.conf, docs/faults.md says why keep-majority)",
        environment.getOrDefault("WELTGEWEBE_SBR_STABLE_AFTER", "20s"),
        environment.getOrDefault("WELTGEWEBE_CLUSTER_HEARTBEAT_PAUSE", "3s"));
  }

  private void judge(JournalVerdicts.Result r, List<FaultReport.Watcher> watchers) {
    if (r.acknowledgedLost() > 0) {
      failures.add(r.acknowledgedLost() + " acknowledged writes are not in the journal, e.g. " + r.lostExamples());
    }
    if (r.interleavedWriters() > 0) {
      failures.add(r.interleavedWriters() + " persistence ids had two writers at once, e.g. " + r.interleavedExamples());
    }
    if (r.sequenceGaps() > 0) {
      failures.add(r.sequenceGaps() + " gaps in sequence numbers, e.g. " + r.gapExamples());
    }
    if (!r.streamEqualsJournal()) {
      failures.add(String.format("stream ≠ journal: %d missing, %d duplicated, %d unexpected, e.g. %s", r.missingFromStream(),
          r.duplicatedInStream(), r.unexpectedInStream(), r.streamExamples()));
    }
    if (!r.readModelsEqualJournal()) {
      failures.add(String.format("read models applied %d events, the journal holds %d", r.readModelEvents(), r.journalEvents()));
    }
    for (FaultReport.Watcher w : watchers) {
      if (!w.gotEverything()) {
        failures.add(String.format("SSE watcher of %s got %d of %d events (%d duplicates)", w.feed(), w.delivered(), w.expected(), w.duplicates()));
      }
    }
  }

  @Override
  public List<String> failures() {
    return List.copyOf(failures);
  }

  private static void print(FaultReport f, PrintStream out) {
    out.println();
    out.printf("faults: %d nodes, plan %s%n", f.nodes(), f.plan());
    for (FaultReport.Injected i : f.faults()) {
      out.printf("  %-12s node %d at %5.1f s to %5.1f s  downing %s  goodput %.1f/s -> lowest %.1f/s (dip %.0f %%), recovery %s  %s%n",
          i.kind(), i.node(), i.atSeconds(), i.endSeconds(), i.downingSeconds() == null ? "-" : String.format("%.1f s", i.downingSeconds()),
          i.dip().preFaultPerSecond(), i.dip().lowestPerSecond(), i.dip().dipPercent(),
          i.dip().recoverySeconds() == null ? "not before the next fault" : String.format("%.0f s", i.dip().recoverySeconds()), i.detail());
    }
    FaultReport.Verdicts v = f.verdicts();
    if (v != null) {
      out.printf("faults: acknowledged writes lost %d of %d; two writers %d; sequence gaps %d; journal %d = stream %d (missing %d, duplicated %d,"
              + " unexpected %d) = read models %d; SSE watchers %s%n",
          v.acknowledgedLost(), v.acknowledged(), v.interleavedWriters(), v.sequenceGaps(), v.journalEvents(), v.streamEvents(),
          v.missingFromStream(), v.duplicatedInStream(), v.unexpectedInStream(), v.readModelEvents(),
          v.watchers().stream().map(w -> w.delivered() + "/" + w.expected() + " (" + w.reconnects() + " reconnects)").toList());
    }
    out.println(f.passed() ? "faults: every verdict passed" : "faults: FAILED: " + String.join("; ", f.failures()));
  }

  /** Seconds from {@code from} to the split-brain resolver's first decision logged by any node after it (null: none before {@code until}). */
  private Double downingSeconds(Instant from, Instant until) {
    Instant first = null;
    for (Path log : cluster.logs()) {
      try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
        for (String line : (Iterable<String>) lines.filter(l -> l.contains(SBR_DECISION))::iterator) {
          Instant at = loggedAt(line, from);
          if (at != null) {
            if (!at.isBefore(from) && at.isBefore(until) && (first == null || at.isBefore(first))) {
              first = at;
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // a log that cannot be read has no decision to offer
      }
    }
    return first == null ? null : Duration.between(from, first).toMillis() / 1000.0;
  }

  /** When a log line was written, or null; a text line's time of day is taken on the day of {@code near}, in this machine's zone. */
  static Instant loggedAt(String line, Instant near) {
    Matcher json = TIMESTAMP.matcher(line);
    if (json.find()) {
      return OffsetDateTime.parse(json.group(1)).toInstant();
    }
    Matcher text = TIME_OF_DAY.matcher(line);
    if (text.find()) {
      java.time.ZoneId zone = java.time.ZoneId.systemDefault();
      java.time.LocalDate day = near.atZone(zone).toLocalDate();
      Instant at = java.time.LocalTime.parse(text.group(1)).atDate(day).atZone(zone).toInstant();
      // a fault just before midnight whose decision came after it
      return at.isBefore(near.minus(Duration.ofHours(12))) ? at.plus(Duration.ofDays(1)) : at;
    }
    return null;
  }

  private static int seconds(Instant from, Instant to) {
    return (int) Math.round(Duration.between(from, to).toMillis() / 1000.0);
  }
}

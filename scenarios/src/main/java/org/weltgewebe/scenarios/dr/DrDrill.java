package org.weltgewebe.scenarios.dr;

import com.typesafe.config.ConfigFactory;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.cluster.PekkoEventDecoder;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.persistence.outbox.Reconciler;
import org.weltgewebe.persistence.readmodel.ReadModelProjection;
import org.weltgewebe.persistence.readmodel.ReadModelRebuild;
import org.weltgewebe.persistence.readmodel.ReadModels;
import org.weltgewebe.reports.DrReport;
import org.weltgewebe.scenarios.local.LocalProcesses;
import org.weltgewebe.scenarios.local.NatsServer;
import org.weltgewebe.scenarios.local.PostgresServer;
import org.weltgewebe.scenarios.run.PlatformProcess;

/**
 * The quarterly disaster-recovery drill as one run on real processes: a primary PostgreSQL with a
 * streaming replica (physical slot, WAL archive), a nats-server, the platform on the primary under a
 * write load whose acknowledgements are kept; then the primary is killed (SIGKILL), the replica
 * promoted, the stream cleaned of ghosts (events the promoted journal does not have), the platform
 * restarted on the promoted server — its outbox relay finds no logical slot there (PostgreSQL 15
 * does not carry logical slots to a standby), so it makes a seed slot, re-publishes the journal
 * (JetStream's dedupe window drops what the stream has) and takes the seed as its slot — and the
 * load goes on. At the end the stream is reconciled with the journal, the read models are rebuilt
 * from the stream, and both are verified against the journal. RPO, RTO and ghosts go into
 * {@code dr-report.json} and {@code dr-report.html}.
 */
public final class DrDrill {
  /** What the drill needs from its caller. */
  public record Settings(
      List<String> serveCommand, Path reportsDir, int writers, Duration loadBeforeKill, Duration loadAfterRecovery,
      Duration writerPause, boolean keepData) {}

  /** Where the drill's report went. */
  public record Outcome(DrReport report, Path html, Path json) {}

  private final Settings settings;
  private final Consumer<String> progress;
  private final List<DrReport.Step> timeline = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private long killedAt;

  public DrDrill(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  public Outcome run() throws Exception {
    Instant started = Instant.now();
    String id = "dr-" + started.toString().replace(":", "").replace("-", "").substring(0, 15) + "Z";
    Path reportDir = settings.reportsDir().resolve(id);
    Files.createDirectories(reportDir);
    // The PostgreSQL servers run as the postgres user, who must reach their directories inside.
    Path work = Files.createTempDirectory("wg-dr-",
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
    Path pgBin = PostgresServer.binaries();
    PostgresServer primary = null;
    PostgresServer replica = null;
    PlatformProcess platform = null;
    WriteLedger ledger = null;
    ActorSystem<Void> decoderSystem = null;
    try (NatsServer nats = NatsServer.start(work.resolve("nats"))) {
      long t = System.nanoTime();
      primary = PostgresServer.primary(pgBin, work.resolve("pg"), work.resolve("pg").resolve("archive"));
      replica = PostgresServer.replicaOf(primary, work.resolve("pg"));
      step("primary and streaming replica up", t, "primary :" + primary.port() + ", replica :" + replica.port() + " (slot dr_replica, WAL archive)");

      NatsSettings natsSettings = new NatsSettings(nats.url(), "WELTGEWEBE_EVENTS", "weltgewebe.events", Duration.ofSeconds(5));
      t = System.nanoTime();
      platform = startPlatform(primary, nats, reportDir.resolve("platform-primary.log"), id);
      step("platform ready on the primary", t, platform.api().toString());

      ledger = WriteLedger.start(platform.api(), settings.writers(), settings.writerPause());
      // The first writes wait for the shard coordinator and the journal's pool; the load window
      // starts once the platform acknowledges writes, so that it measures a platform that works.
      t = System.nanoTime();
      awaitFirstWrite(ledger, 0);
      step("first write acknowledged on the primary", t, "the load window starts");
      progress.accept("writing for " + settings.loadBeforeKill().toSeconds() + " s against the primary ...");
      LocalProcesses.sleep(settings.loadBeforeKill());
      progress.accept(ledger.acks().size() + " writes acknowledged, " + ledger.failures() + " failed " + ledger.failureKinds());

      String lag = String.join("; ", primary.replicationState());
      long lagBytes = parseLag(lag);
      killedAt = System.currentTimeMillis();
      primary.kill();
      timeline.add(new DrReport.Step("primary killed (SIGKILL to the postmaster)", 0, 0, "replication just before: " + lag));
      progress.accept("primary killed; promoting the replica ...");
      List<WriteLedger.Ack> acksBeforeKill = ledger.acks().stream().filter(a -> a.at() <= killedAt).toList();
      long failuresBefore = ledger.failures();

      t = System.nanoTime();
      platform.kill();
      step("platform on the dead primary stopped (SIGKILL)", t, "its in-memory entities may hold events the promoted journal lacks");
      t = System.nanoTime();
      replica.promote();
      step("replica promoted (pg_ctl promote)", t, "now primary on :" + replica.port());

      DatabaseSettings promoted = replica.settings();
      t = System.nanoTime();
      List<String> ghosts = ghosts(natsSettings, promoted, true);
      step("ghost events removed from the stream", t, ghosts.size() + " events in the stream but not in the promoted journal");

      t = System.nanoTime();
      platform = startPlatform(replica, nats, reportDir.resolve("platform-promoted.log"), id);
      step("platform ready on the promoted replica", t,
          "readiness green; the relay found no logical slot and re-published the journal through a seed slot");
      ledger.repoint(platform.api());
      long readyAt = System.currentTimeMillis();
      long firstWrite = awaitFirstWrite(ledger, readyAt);
      double rto = (firstWrite - killedAt) / 1000.0;
      timeline.add(new DrReport.Step("first write acknowledged on the promoted replica", rto, 0, "RTO " + String.format("%.1f s", rto)));
      long outageFailures = ledger.failures() - failuresBefore;

      progress.accept("recovered after " + String.format("%.1f", rto) + " s; writing on for " + settings.loadAfterRecovery().toSeconds() + " s ...");
      LocalProcesses.sleep(settings.loadAfterRecovery());
      ledger.close();
      // Verification runs on a quiet system: the platform stops (its relay and consumer with it), so
      // the reconciler and the rebuild see a journal that no longer grows and a stream no one else reads.
      t = System.nanoTime();
      platform.close();
      step("platform stopped for the verification", t, "SIGTERM, coordinated shutdown");

      OutboxSettings outbox =
          OutboxSettings.fromConfig(NodeConfig.load(ConfigFactory.parseMap(Map.of("weltgewebe.db.url", promoted.url()))))
              .withReconcileSettle(Duration.ZERO);
      t = System.nanoTime();
      Reconciler reconciler = new Reconciler(promoted, natsSettings, outbox);
      Reconciler.Repair repair = awaitRepaired(reconciler);
      step("stream reconciled with the promoted journal", t,
          repair.republished() + " re-published (" + repair.underRepairId() + " under a repair id: their ids belonged to ghosts)");

      decoderSystem = ActorSystem.create(Behaviors.empty(), "weltgewebe-dr",
          ConfigFactory.parseString("pekko.actor.provider = local").withFallback(NodeConfig.load()));
      t = System.nanoTime();
      ReadModelRebuild.Result rebuilt =
          ReadModelRebuild.run(promoted, natsSettings, outbox, ReadModelProjection.CONSUMER, new PekkoEventDecoder(decoderSystem), Duration.ofSeconds(60));
      step("read models rebuilt from the stream", t, rebuilt.eventsApplied() + " events applied");

      Reconciler.Report finalCheck = reconciler.verifyFull();
      long journal = count(promoted, "SELECT count(*) FROM event_journal");
      long applied = new ReadModels(promoted).appliedEvents(ReadModelProjection.CONSUMER);
      Set<String> journalIds = persistenceIds(promoted);
      List<WriteLedger.Ack> lost = acksBeforeKill.stream().filter(a -> !journalIds.contains(a.persistenceId())).toList();
      double rpoSeconds = lost.stream().mapToLong(WriteLedger.Ack::at).min().stream()
          .mapToDouble(oldest -> (killedAt - oldest) / 1000.0).findFirst().orElse(0);
      boolean streamOk = finalCheck.consistent() && finalCheck.journalEvents() == journal;
      boolean readModelsOk = applied == journal;
      // Nothing in the stream that the journal lacks (an identity re-used after the promotion counts
      // only with the journal's own ordering).
      List<String> ghostsLeft = ghosts(natsSettings, promoted, false);
      boolean ghostsOk = ghostsLeft.isEmpty();
      if (!lost.isEmpty()) {
        notes.add("Replication is asynchronous: writes acknowledged by the primary but not yet streamed to the replica are lost"
            + " with it. synchronous_standby_names with synchronous_commit = remote_apply trades write latency for RPO 0.");
      }
      notes.add("Failed writes by kind: " + ledger.failureKinds());
      notes.add("Work directory " + work + (settings.keepData() ? " kept" : " removed") + "; platform logs beside this report.");
      DrReport report = new DrReport(
          DrReport.VERSION, id, started,
          new DrReport.Settings(settings.writers(), settings.loadBeforeKill().toMillis() / 1000.0,
              settings.loadAfterRecovery().toMillis() / 1000.0, "asynchronous streaming replication, physical slot, WAL archive",
              InetAddress.getLocalHost().getHostName()),
          new DrReport.Measures(acksBeforeKill.size(), lost.size(), rpoSeconds, rto, lagBytes, ghosts.size(),
              repair.republished(), repair.underRepairId(), journal, finalCheck.streamMessages(), applied, outageFailures),
          List.copyOf(timeline), ghosts, lost.stream().map(a -> a.persistenceId() + " acknowledged " + Instant.ofEpochMilli(a.at())).toList(),
          new DrReport.Checks(streamOk, readModelsOk, ghostsOk,
              "journal " + journal + " events; stream " + finalCheck.streamMessages() + " (" + finalCheck.gaps().size()
                  + " differing ranges); read models applied " + applied + "; ghosts left in the stream " + ghostsLeft.size()),
          streamOk && readModelsOk && ghostsOk,
          List.copyOf(notes));
      Path html = report.write(reportDir);
      return new Outcome(report, html, reportDir.resolve("dr-report.json"));
    } finally {
      if (ledger != null) {
        ledger.close();
      }
      if (platform != null) {
        platform.close();
      }
      if (decoderSystem != null) {
        decoderSystem.terminate();
      }
      if (replica != null) {
        replica.stop();
      }
      if (primary != null) {
        primary.stop();
      }
      if (!settings.keepData()) {
        LocalProcesses.deleteTree(work);
      }
    }
  }

  private PlatformProcess startPlatform(PostgresServer db, NatsServer nats, Path log, String id) {
    return PlatformProcess.start(
        settings.serveCommand(),
        Map.of(
            "WELTGEWEBE_DB_URL", db.jdbcUrl(),
            "WELTGEWEBE_DB_USER", "postgres",
            "WELTGEWEBE_NATS_URL", nats.url(),
            "WELTGEWEBE_LOAD_WORKER_ENABLED", "false",
            "WELTGEWEBE_METRICS_ENABLED", "false"),
        id, 1.0, Instant.now(), log, Duration.ofMinutes(6));
  }

  private void step(String name, long startedNanos, String detail) {
    double took = (System.nanoTime() - startedNanos) / 1e9;
    double at = killedAt == 0 ? -1 : (System.currentTimeMillis() - killedAt) / 1000.0;
    timeline.add(new DrReport.Step(name, killedAt == 0 ? 0 : at, took, detail));
    progress.accept(name + String.format(" (%.1f s)", took));
  }

  private static long awaitFirstWrite(WriteLedger ledger, long since) {
    long deadline = System.currentTimeMillis() + 300_000;
    while (System.currentTimeMillis() < deadline) {
      var first = ledger.firstAckAfter(since);
      if (first.isPresent()) {
        return first.getAsLong();
      }
      LocalProcesses.sleep(Duration.ofMillis(50));
    }
    throw new IllegalStateException("no write was acknowledged within 300 s of the platform's restart on the promoted replica");
  }

  // Repairs until the stream holds the whole journal: the restarted relay may still be re-publishing.
  private static Reconciler.Repair awaitRepaired(Reconciler reconciler) {
    long republished = 0;
    long underRepairId = 0;
    Reconciler.Repair last = null;
    for (int attempt = 0; attempt < 30; attempt++) {
      last = reconciler.repair();
      republished += last.republished();
      underRepairId += last.underRepairId();
      if (last.before().consistent() || reconciler.verify().consistent()) {
        return new Reconciler.Repair(last.before(), republished, last.alreadyPresent(), underRepairId);
      }
      LocalProcesses.sleep(Duration.ofSeconds(2));
    }
    throw new IllegalStateException("the stream did not become whole within 30 repairs: " + last.before().missing().size() + " missing");
  }

  // Ghosts: stream messages whose event identity (and journal ordering) the promoted journal lacks.
  // Deleted, so that neither a read-model rebuild nor a reader of the stream sees them; JetStream
  // keeps their ids in its dedupe memory, which the reconciler answers with repair ids later.
  private static List<String> ghosts(NatsSettings nats, DatabaseSettings promoted, boolean delete) throws Exception {
    Map<String, Long> journal = new HashMap<>();
    try (java.sql.Connection c = promoted.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT persistence_id, sequence_number, ordering FROM event_journal")) {
      while (rs.next()) {
        journal.put(OutboxMessage.dedupeId(rs.getString(1), rs.getLong(2)), rs.getLong(3));
      }
    }
    List<String> ghosts = new ArrayList<>();
    List<Long> sequences = new ArrayList<>();
    try (Connection connection = nats.connect("weltgewebe-dr-ghosts")) {
      JetStreamManagement jsm = connection.jetStreamManagement();
      StreamInfo info;
      try {
        info = jsm.getStreamInfo(nats.stream());
      } catch (io.nats.client.JetStreamApiException e) {
        return ghosts; // no stream yet: nothing was published
      }
      long last = info.getStreamState().getLastSequence();
      if (info.getStreamState().getMsgCount() == 0) {
        return ghosts;
      }
      try (IterableConsumer messages = connection.getStreamContext(nats.stream())
          .createOrderedConsumer(new OrderedConsumerConfiguration().filterSubject(nats.subjectPrefix() + ".>")
              .deliverPolicy(DeliverPolicy.All))
          .iterate()) {
        while (true) {
          Message m = messages.nextMessage(Duration.ofSeconds(5));
          if (m == null) {
            break;
          }
          OutboxMessage.Event row = OutboxMessage.read(m);
          String id = row.dedupeId();
          long ordering = row.ordering();
          Long inJournal = journal.get(id);
          if (inJournal == null || inJournal != ordering) {
            ghosts.add(id + " (ordering " + ordering + ", stream seq " + m.metaData().streamSequence() + ")");
            sequences.add(m.metaData().streamSequence());
          }
          if (m.metaData().streamSequence() >= last || m.metaData().pendingCount() == 0) {
            break;
          }
        }
      }
      for (long seq : delete ? sequences : List.<Long>of()) {
        jsm.deleteMessage(nats.stream(), seq);
      }
    }
    return ghosts;
  }

  private static long count(DatabaseSettings db, String sql) throws Exception {
    try (java.sql.Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Set<String> persistenceIds(DatabaseSettings db) throws Exception {
    Set<String> ids = new HashSet<>();
    try (java.sql.Connection c = db.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT DISTINCT persistence_id FROM event_journal")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  private static long parseLag(String state) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("lag (\\d+) B").matcher(state);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}

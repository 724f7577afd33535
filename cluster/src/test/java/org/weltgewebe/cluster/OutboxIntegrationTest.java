package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.readmodel.ReadModelProjection;
import org.weltgewebe.persistence.readmodel.ReadModels;

/**
 * The whole way of an event on real PostgreSQL and NATS: entity → journal → relay → JetStream →
 * read models → region. Every event arrives exactly once, also when the node dies abruptly in the
 * middle of a burst, and a region that starts again recovers its picture.
 */
class OutboxIntegrationTest {
  static final GeoPoint PLACE = new GeoPoint(52.52, 13.405);

  static Config nodeConfig(TestDatabase db) {
    return db.outboxConfig().withFallback(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0"));
  }

  /** A node on {@code db} whose entities answer: a cold node's first asks can outlast the ask timeout. */
  static WeaveNode startWarm(TestDatabase db) {
    WeaveNode node = WeaveNode.start(nodeConfig(db));
    node.awaitEntitiesAnswer(Duration.ofMinutes(2));
    return node;
  }

  /**
   * The answer to {@code ask}, asked again with the same ids while it times out (a starved machine):
   * a command that did arrive the first time is then refused as a repeat, and nothing is written twice.
   */
  static <T> T retrying(java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> ask) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return ask.get().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof java.util.concurrent.TimeoutException) || attempt == 5) {
          throw e;
        }
      }
    }
  }

  @Test
  void everyEventReachesStreamReadModelsAndRegionsAndRegionsRecoverAfterARestart() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      List<String> knots = new ArrayList<>();
      try (WeaveNode node = startWarm(db)) {
        Weave weave = node.weave();
        for (int i = 0; i < 40; i++) {
          String knotId = Weave.newId();
          String designId = Weave.newId();
          String voteId = Weave.newId();
          int n = i;
          knots.add(knotId);
          retrying(() -> weave.createKnot(knotId, designId, "role-" + n, Knot.Type.IDEA, "Knoten " + n, "", PLACE, null, null));
          retrying(() -> weave.connect(voteId, knotId, "role-x", WeaveThread.Kind.VOTE, Knot.Connection.AGREE));
        }
        long journal = StreamCheck.journalRows(db.settings());
        assertThat(journal).isEqualTo(40 * 5); // created, design led, design spun, vote led, vote spun

        awaitEverything(db, journal);
        String cell = RegionCells.regionOf(PLACE);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          Region.View view = weave.regionView(cell).toCompletableFuture().get(5, TimeUnit.SECONDS);
          assertThat(view.knots()).hasSize(40);
          assertThat(view.threads()).hasSize(80);
        });
      }
      // A new node's regions start from the read models, before any new event reaches them.
      try (WeaveNode node = startWarm(db)) {
        Region.View view =
            node.weave().regionView(RegionCells.regionOf(PLACE)).toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(view.knots()).extracting(Region.KnotEntry::knotId).containsExactlyInAnyOrderElementsOf(knots);
        assertThat(view.threads()).hasSize(80);
        assertThat(view.updatesApplied()).isZero();
      }
    }
  }

  @Test
  void aNodeKilledAbruptlyMidBurstLosesNothingAndDuplicatesNothing() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      String overrides = nodeConfig(db).root().render(ConfigRenderOptions.concise());
      Process victim =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElse("java"),
                  "-cp", System.getProperty("java.class.path"),
                  BurstingNode.class.getName(), overrides)
              .redirectErrorStream(true)
              .start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
          // startup output
        }
        assertThat(line).as("the victim started writing (it printed READY)").isEqualTo("READY");
        await().atMost(Duration.ofSeconds(120)).until(() -> StreamCheck.journalRows(db.settings()) >= 2000);
      } finally {
        // SIGKILL: no shutdown, no flush; also when the test failed, so no writer outlives it
        victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      long journal = StreamCheck.journalRows(db.settings());
      assertThat(journal).isGreaterThanOrEqualTo(2000);

      try (WeaveNode successor = startWarm(db)) {
        awaitEverything(db, StreamCheck.journalRows(db.settings()));
      }
    }
  }

  @Test
  void rebuildingTheReadModelsRestoresThemFromTheStreamEvenWhenTheStreamLostEvents() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      try (WeaveNode node = startWarm(db)) {
        Weave weave = node.weave();
        for (int i = 0; i < 10; i++) {
          String knotId = "k" + i;
          int n = i;
          retrying(() -> weave.createKnot(knotId, "d" + n, "role-1", Knot.Type.TOOL, "Werkzeug " + n, "", PLACE, null, null));
        }
        long journal = StreamCheck.journalRows(db.settings());
        awaitEverything(db, journal);
        ReadModels readModels = new ReadModels(db.settings());
        ReadModels.KnotRow before = readModels.knot("k3").orElseThrow();

        // The read models are damaged, and the stream lost two messages (as a broker crash can do).
        try (java.sql.Connection c = db.settings().connect(); java.sql.Statement s = c.createStatement()) {
          s.execute("DELETE FROM rm_knot WHERE knot_id IN ('k3', 'k4')");
        }
        try (io.nats.client.Connection nats = io.nats.client.Nats.connect(StreamCheck.NATS_URL)) {
          nats.jetStreamManagement().deleteMessage(db.streamName(), 3);
          nats.jetStreamManagement().deleteMessage(db.streamName(), 7);
        }

        org.weltgewebe.persistence.readmodel.ReadModelRebuild.Result result =
            org.weltgewebe.persistence.readmodel.ReadModelRebuild.run(
                db.settings(),
                org.weltgewebe.persistence.outbox.NatsSettings.fromConfig(node.system().settings().config()),
                org.weltgewebe.persistence.outbox.OutboxSettings.fromConfig(node.system().settings().config())
                    .withReconcileSettle(Duration.ZERO),
                "rebuild-test",
                new PekkoEventDecoder(node.system()),
                Duration.ofSeconds(30));
        assertThat(result.repair().republished()).isEqualTo(2);
        assertThat(result.eventsApplied()).isEqualTo(journal);
        assertThat(readModels.knot("k3")).contains(before);
        assertThat(readModels.appliedEvents("rebuild-test")).isEqualTo(journal);
      }
    }
  }

  /** Waits until the stream holds every journal event exactly once, in per-entity order, and the read models applied each. */
  static void awaitEverything(TestDatabase db, long journal) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      List<StreamCheck.Stored> stored = StreamCheck.stream(db.streamName(), db.streamName().toLowerCase(java.util.Locale.ROOT) + ".events");
      assertThat(stored).hasSize((int) journal);
      assertThat(new HashSet<>(stored)).hasSize((int) journal);
      assertThat(new ReadModels(db.settings()).appliedEvents(ReadModelProjection.CONSUMER)).isEqualTo(journal);
    });
    List<StreamCheck.Stored> stored;
    try {
      stored = StreamCheck.stream(db.streamName(), db.streamName().toLowerCase(java.util.Locale.ROOT) + ".events");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    Map<String, Long> lastSeen = new HashMap<>();
    Set<String> outOfOrder = new HashSet<>();
    for (StreamCheck.Stored s : stored) {
      long previous = lastSeen.getOrDefault(s.persistenceId(), 0L);
      if (s.sequenceNr() != previous + 1) {
        outOfOrder.add(s.persistenceId() + " " + previous + "->" + s.sequenceNr());
      }
      lastSeen.put(s.persistenceId(), s.sequenceNr());
    }
    assertThat(outOfOrder).as("every entity's events in order, without gaps").isEmpty();
  }
}

package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.persistence.TestDatabase;

/**
 * Three nodes on loopback ports in one JVM, joined through seed-node configuration as separate
 * processes would be: every sharded entity is reachable from every node, wherever its shard lives.
 */
class ThreeNodeClusterTest {
  static TestDatabase db;
  static final List<ActorSystem<Void>> systems = new ArrayList<>();
  static final List<Weave> weaves = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws IOException {
    db = TestDatabase.create();
    int[] ports = {freePort(), freePort(), freePort()};
    String seeds = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
    for (int port : ports) {
      Config config =
          NodeConfig.load(
              db.outboxConfig()
                  .withFallback(
                      ConfigFactory.parseString(
                          "pekko.remote.artery.canonical.port = " + port + "\n"
                              + "weltgewebe.cluster.seed-nodes = \"" + seeds + "\"")));
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeConfig.SYSTEM_NAME, config);
      WeaveNode.joinCluster(system);
      systems.add(system);
      weaves.add(WeaveNode.init(system, WeaveClock.system(), db.settings()));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                systems.stream()
                    .allMatch(
                        s ->
                            java.util.stream.StreamSupport.stream(Cluster.get(s).state().getMembers().spliterator(), false)
                                        .filter(m -> m.status() == MemberStatus.up())
                                        .count() == 3
                                && Cluster.get(s).selfMember().status() == MemberStatus.up()));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (ActorSystem<Void> system : systems) {
      system.terminate();
    }
    for (ActorSystem<Void> system : systems) {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    db.close();
  }

  @Test
  void entitiesCreatedThroughOneNodeAreReadThroughEveryOther() throws Exception {
    GeoPoint place = new GeoPoint(48.137, 11.575);
    List<String> knots = new ArrayList<>();
    List<String> roles = new ArrayList<>();
    // Enough entities that their shards spread over all three nodes.
    for (int i = 0; i < 12; i++) {
      Weave writer = weaves.get(i % 3);
      String roleId = Weave.newId();
      assertThat(get(writer.register(roleId, "Rolle " + i, "Weg " + i, place))).isInstanceOf(Role.Profile.class);
      assertThat(get(writer.login(roleId))).isInstanceOf(Role.Profile.class);
      String knotId = Weave.newId();
      assertThat(get(writer.createKnot(knotId, Weave.newId(), roleId, Knot.Type.FACILITY, "Werkstatt " + i, "", place, null, null)))
          .isInstanceOf(Knot.KnotView.class);
      roles.add(roleId);
      knots.add(knotId);
    }
    for (Weave reader : weaves) {
      for (int i = 0; i < knots.size(); i++) {
        Knot.KnotView knot = (Knot.KnotView) get(reader.getKnot(knots.get(i)));
        assertThat(knot.title()).isEqualTo("Werkstatt " + i);
        Role.Profile profile = (Role.Profile) get(reader.profile(roles.get(i)));
        assertThat(profile.spinning()).isTrue();
      }
    }
    // The region of the place, fed from the event stream of entities on all nodes, is one actor that every node reads.
    String knotCell = RegionCells.regionOf(place);
    String roleCell = RegionCells.regionOf(RegionCells.blur(place));
    for (Weave reader : weaves) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(get(reader.regionView(knotCell)).knots()).hasSize(12);
                assertThat(get(reader.regionView(roleCell)).spinningRoles()).hasSize(12);
              });
    }
  }

  static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

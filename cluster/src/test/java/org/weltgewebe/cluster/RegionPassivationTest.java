package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.persistence.TestDatabase;

/**
 * An idle region leaves memory and, asked again, comes back with the picture it had, rebuilt from
 * the read models rather than from updates it received.
 */
class RegionPassivationTest {
  private static final GeoPoint ELSEWHERE = new GeoPoint(48.137, 11.575);

  @Test
  void anIdleRegionPassivatesAndComesBackWithItsPicture() throws Exception {
    try (TestDatabase db = TestDatabase.create();
        WeaveNode node =
            WeaveNode.start(
                ConfigFactory.parseString("weltgewebe.regions.passivate-after = 2s")
                    .withFallback(OutboxIntegrationTest.nodeConfig(db)))) {
      Weave weave = node.weave();
      await().atMost(Duration.ofSeconds(60)).until(
          () -> Cluster.get(node.system()).selfMember().status() == MemberStatus.up());
      // The first write waits for the shard coordinator and the journal's pool: on a busy machine
      // longer than one ask, so a knot elsewhere on the map warms them up.
      await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
        weave.createKnot(Weave.newId(), Weave.newId(), "role-1", Knot.Type.IDEA, "Aufwärmen", "", ELSEWHERE, null, null)
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return true;
      });
      List<String> knots = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String knotId = "passivating-" + i;
        knots.add(knotId);
        weave.createKnot(knotId, "d" + i, "role-1", Knot.Type.IDEA, "Idee " + i, "", OutboxIntegrationTest.PLACE, null, null)
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      String cell = RegionCells.regionOf(OutboxIntegrationTest.PLACE);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        Region.View fed = weave.regionView(cell).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(fed.knots()).hasSize(5);
        assertThat(fed.updatesApplied()).isPositive();
      });

      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> !EntitiesInMemory.of(node, Region.ENTITY_KEY).contains(cell));

      Region.View rebuilt = weave.regionView(cell).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(rebuilt.knots()).extracting(Region.KnotEntry::knotId).containsExactlyInAnyOrderElementsOf(knots);
      assertThat(rebuilt.updatesApplied()).as("a new incarnation, loaded from the read models").isZero();
    }
  }
}

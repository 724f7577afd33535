package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.persistence.TestDatabase;

/**
 * One relay in the cluster, and another takes over when its node leaves: events written before and
 * after the oldest node (which holds the outbox singleton) stops all reach the stream once.
 */
class OutboxFailoverTest {

  @Test
  void theOutboxMovesToTheRemainingNodeWhenItsNodeLeaves() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      int first = ThreeNodeClusterTest.freePort();
      int second = ThreeNodeClusterTest.freePort();
      String seeds = "127.0.0.1:" + first;
      WeaveNode oldest = WeaveNode.start(config(db, first, seeds));
      try (WeaveNode survivor = WeaveNode.start(config(db, second, seeds))) {
        await().atMost(Duration.ofSeconds(30))
            .until(() -> Cluster.get(survivor.system()).selfMember().status() == MemberStatus.up());
        survivor.awaitEntitiesAnswer(Duration.ofMinutes(2)); // a cold cluster's first asks can outlast the ask timeout
        GeoPoint place = new GeoPoint(50.94, 6.96);
        for (int i = 0; i < 10; i++) {
          survivor.weave().createKnot("before-" + i, "d-before-" + i, "r", Knot.Type.IDEA, "vorher", "", place, null, null)
              .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        OutboxIntegrationTest.awaitEverything(db, StreamCheck.journalRows(db.settings()));

        oldest.close(); // leaves the cluster; the singleton starts on the survivor
        for (int i = 0; i < 10; i++) {
          survivor.weave().createKnot("after-" + i, "d-after-" + i, "r", Knot.Type.IDEA, "nachher", "", place, null, null)
              .toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        long journal = StreamCheck.journalRows(db.settings());
        assertThat(journal).isEqualTo(20 * 3);
        OutboxIntegrationTest.awaitEverything(db, journal);
      }
    }
  }

  private static Config config(TestDatabase db, int port, String seeds) {
    return db.outboxConfig()
        .withFallback(
            ConfigFactory.parseString(
                "pekko.remote.artery.canonical.port = " + port + "\n"
                    + "weltgewebe.cluster.seed-nodes = \"" + seeds + "\""));
  }
}

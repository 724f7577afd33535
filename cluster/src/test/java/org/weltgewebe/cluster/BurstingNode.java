package org.weltgewebe.cluster;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Weave;

/**
 * A node in a process of its own that writes events as fast as it can until it is killed: the
 * victim of the abrupt-kill test. Arguments: a HOCON string of overrides (database, slot, stream).
 */
public final class BurstingNode {
  private BurstingNode() {}

  public static void main(String[] args) throws Exception {
    WeaveNode node = WeaveNode.start(ConfigFactory.parseString(args[0]));
    node.awaitEntitiesAnswer(Duration.ofMinutes(3));
    Weave weave = node.weave();
    GeoPoint place = new GeoPoint(52.52, 13.405);
    System.out.println("READY");
    System.out.flush();
    for (int round = 0; ; round++) {
      List<CompletableFuture<?>> inFlight = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String knotId = "burst-" + round + "-" + i;
        inFlight.add(
            weave.createKnot(knotId, knotId + "-design", "role-" + i, Knot.Type.IDEA, "Knoten " + round, "", place, null, null)
                .toCompletableFuture());
      }
      // A write that times out on a starved machine is not retried: the victim only has to keep
      // writing until it is killed, and the test counts what reached the journal.
      CompletableFuture.allOf(inFlight.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS);
    }
  }
}

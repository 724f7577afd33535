package org.weltgewebe.cluster;

import com.typesafe.config.ConfigFactory;
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
      CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
  }
}

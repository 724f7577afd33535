package org.weltgewebe.http;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Weave;

/**
 * Map regions: the live picture of one H3 resolution-7 cell — its knots, the roles spinning there
 * and the threads to its knots with their fade level — answered from the region actor's memory.
 * (The live feed of a region, {@code /regions/{cell}/feed}, will be {@code RegionFeedRoutes}.)
 */
final class RegionRoutes {
  private final Weave weave;
  private final Responses responses;

  RegionRoutes(Weave weave, Responses responses) {
    this.weave = weave;
    this.responses = responses;
  }

  List<Operation> operations() {
    return List.of(Operation.get("/regions/{cell}", Priority.READ, p -> view(p.get("cell"))));
  }

  private Route view(String cell) {
    return responses.answer(
        instance ->
            RegionCells.isRegion(cell)
                ? weave.regionView(cell).thenApply(responses::ok)
                : CompletableFuture.completedFuture(responses.badRequest(KnotRoutes.notARegion(cell), instance)));
  }
}

package org.weltgewebe.http.routes;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * Map regions: the live picture of one H3 resolution-7 cell — its knots, the roles spinning there
 * and the threads to its knots with their fade level — answered from the region actor's memory.
 * (The live feed of a region, {@code /regions/{cell}/feed}, will be {@code RegionFeedRoutes}.)
 *
 * <p>A region answers the same picture again while nothing in it changed ({@link Region}); its
 * serialised answer is sent again with it ({@link RenderedViews}, up to {@link #RENDERED_BYTES}).
 */
public final class RegionRoutes {
  /** The most bytes of serialised pictures kept, over all cells. */
  static final long RENDERED_BYTES = 64L << 20;

  private final Weave weave;
  private final Responses responses;
  private final RenderedViews rendered = new RenderedViews(RENDERED_BYTES);

  public RegionRoutes(Weave weave, Responses responses) {
    this.weave = weave;
    this.responses = responses;
  }

  public List<Operation> operations() {
    return List.of(Operation.get("/regions/{cell}", Priority.READ, p -> view(p.get("cell"))));
  }

  private Route view(String cell) {
    return responses.answer(
        instance ->
            isRegion(cell)
                ? weave.regionView(cell).thenApply(view -> rendered.answer(cell, view, responses::ok))
                : CompletableFuture.completedFuture(responses.badRequest(KnotRoutes.notARegion(cell), instance)));
  }

  /**
   * True for an H3 resolution-7 address. {@link RegionCells#isRegion} throws on text that is not
   * hexadecimal (H3's parser does), so that is checked here first.
   */
  static boolean isRegion(String cell) {
    return !cell.isEmpty() && cell.length() <= 16 && cell.chars().allMatch(c -> Character.digit(c, 16) >= 0) && RegionCells.isRegion(cell);
  }
}

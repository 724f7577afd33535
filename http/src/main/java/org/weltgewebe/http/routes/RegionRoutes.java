package org.weltgewebe.http.routes;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.http.javadsl.model.HttpResponse;
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
 * <p>A region answers the same picture again while nothing in it changed ({@link Region}), and a
 * busy one is hundreds of kilobytes of JSON: the last answer of each cell is kept, serialised, and
 * sent again when the region answers with the same picture object (up to {@link #RENDERED_BYTES}
 * bytes of answers in all). A region on another node answers a copy, which is serialised anew: a
 * copy's fields cannot tell it from a later picture of a region that restarted on a frozen clock.
 */
public final class RegionRoutes {
  /** The most bytes of serialised pictures kept, over all cells. */
  static final long RENDERED_BYTES = 64L << 20;

  private final Weave weave;
  private final Responses responses;
  private final Cache<String, Rendered> rendered =
      Caffeine.newBuilder().maximumWeight(RENDERED_BYTES).weigher((String cell, Rendered r) -> r.bytes()).build();

  /** A picture and its answer. */
  private record Rendered(Region.View view, HttpResponse response, int bytes) {
    @SuppressWarnings("ReferenceEquality") // identity is the point: equal fields do not prove the same picture (class comment)
    boolean answers(Region.View other) {
      return view == other;
    }
  }

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
                ? weave.regionView(cell).thenApply(view -> answer(cell, view))
                : CompletableFuture.completedFuture(responses.badRequest(KnotRoutes.notARegion(cell), instance)));
  }

  private HttpResponse answer(String cell, Region.View view) {
    Rendered last = rendered.getIfPresent(cell);
    if (last != null && last.answers(view)) {
      return last.response();
    }
    HttpResponse response = responses.ok(view);
    rendered.put(cell, new Rendered(view, response, (int) Math.min(Integer.MAX_VALUE, response.entity().getContentLengthOption().orElse(0L))));
    return response;
  }

  /**
   * True for an H3 resolution-7 address. {@link RegionCells#isRegion} throws on text that is not
   * hexadecimal (H3's parser does), so that is checked here first.
   */
  static boolean isRegion(String cell) {
    return !cell.isEmpty() && cell.length() <= 16 && cell.chars().allMatch(c -> Character.digit(c, 16) >= 0) && RegionCells.isRegion(cell);
  }
}

package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Refusal;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.json.JsonBody;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * Knots: tie one (with its creator's design thread), read one, connect to one (which spins a
 * thread), and list those in a map viewport or region cell. Listing reads the live region pictures
 * rather than the knots themselves, so a viewport costs one ask per covered region, not per knot.
 */
public final class KnotRoutes extends ResourceRoutes {
  /** Viewports that cover more region cells than this are refused: zoom in, or page by cell. */
  static final int MAX_CELLS = 64;
  /** A box spanning more degrees than this cannot be covered by {@link #MAX_CELLS} cells. */
  private static final double MAX_SPAN_DEGREES = 1.5;

  /** The body of a knot to tie; only an EVENT knot takes eventStart and eventEnd. */
  record CreateKnotRequest(
      Knot.Type type, String title, String description, Position location, Instant eventStart, Instant eventEnd) {}

  /** The tied knot and the id of its creator's design thread (which the creator may twist). */
  record CreatedKnot(Knot.KnotView knot, String designThreadId) {}

  /** The body of a connection; {@code kind} defaults to VOTE, the thread of taking a stance. */
  record ConnectRequest(Knot.Connection connection, WeaveThread.Kind kind) {}

  /** The knots standing in a viewport or cell, and the region cells that were read. */
  record KnotList(List<Region.KnotEntry> knots, List<String> cells) {}

  /** The most bytes of rendered cell lists kept ({@link RenderedViews}). */
  static final long RENDERED_BYTES = 16L << 20;

  private final RenderedViews cellLists = new RenderedViews(RENDERED_BYTES);

  public KnotRoutes(Weave weave, Responses responses, JsonBody body, Authentication auth) {
    super(weave, responses, body, auth);
  }

  @Override
  public List<Operation> operations() {
    return List.of(
        Operation.post("/knots", Priority.SESSION_WRITE, p -> create()),
        Operation.get("/knots", Priority.READ, p -> list()),
        Operation.get("/knots/{id}", Priority.READ, p -> read(p.get("id"))),
        Operation.post("/knots/{id}/connections", Priority.SESSION_WRITE, p -> connect(p.get("id"))));
  }

  private Route create() {
    return auth.caller(
        roleId ->
            body.as(
                CreateKnotRequest.class,
                request ->
                    responses.answer(
                        instance -> {
                          Optional<String> problem = Position.problem("location", request.location());
                          if (problem.isPresent()) {
                            return done(responses.refused(Refusal.invalid(problem.get()), instance));
                          }
                          String knotId = Weave.newId();
                          String threadId = Weave.newId();
                          return weave
                              .createKnot(
                                  knotId, threadId, roleId, request.type(), request.title(), request.description(),
                                  request.location().toGeoPoint(), request.eventStart(), request.eventEnd())
                              .thenApply(
                                  reply ->
                                      reply instanceof Knot.KnotView view
                                          ? responses.created("/knots/" + knotId, new CreatedKnot(view, threadId))
                                          : responses.refused(((Knot.Rejected) reply).refusal(), instance));
                        })));
  }

  private Route read(String knotId) {
    return responses.answer(
        instance ->
            weave
                .getKnot(knotId)
                .thenApply(
                    reply -> {
                      if (reply instanceof Knot.Rejected rejected) {
                        return responses.refused(rejected.refusal(), instance);
                      }
                      if (reply instanceof Knot.KnotView view && view.dissolved()) {
                        // Its threads remain on the map as fading traces; the knot itself is no more.
                        return responses.refused(Refusal.gone("knot " + knotId + " dissolved at " + view.dissolvesAt()
                            + " (no thread or yarn led to it any more)"), instance);
                      }
                      return responses.ok(reply);
                    }));
  }

  private Route connect(String knotId) {
    return auth.caller(
        roleId ->
            body.as(
                ConnectRequest.class,
                request ->
                    responses.answer(
                        instance -> {
                          if (request.connection() == null) {
                            return done(responses.refused(Refusal.invalid(
                                "connection is required, one of " + List.of(Knot.Connection.values())), instance));
                          }
                          WeaveThread.Kind kind = request.kind() == null ? WeaveThread.Kind.VOTE : request.kind();
                          if (kind == WeaveThread.Kind.DESIGN || kind == WeaveThread.Kind.CONVERSATION) {
                            return done(responses.refused(Refusal.invalid(
                                "a " + kind + " thread is spun by " + (kind == WeaveThread.Kind.DESIGN
                                    ? "tying a knot" : "starting a conversation") + ", not by connecting"), instance));
                          }
                          String threadId = Weave.newId();
                          return weave
                              .connect(threadId, knotId, roleId, kind, request.connection())
                              .thenApply(
                                  outcome ->
                                      outcome.refusal() != null
                                          ? responses.refused(outcome.refusal(), instance)
                                          : responses.created("/threads/" + threadId, outcome.thread()));
                        })));
  }

  private Route list() {
    return parameterOptional(
        "bbox",
        bbox ->
            parameterOptional(
                "cell",
                cell ->
                    responses.answer(
                        instance -> {
                          if (bbox.isPresent() == cell.isPresent()) {
                            return done(responses.badRequest(
                                "give exactly one of bbox=minLon,minLat,maxLon,maxLat or cell=<H3 resolution-"
                                    + RegionCells.REGION_RESOLUTION + " cell>", instance));
                          }
                          if (cell.isPresent()) {
                            if (!RegionRoutes.isRegion(cell.get())) {
                              return done(responses.badRequest(notARegion(cell.get()), instance));
                            }
                            return knotsOf(cell.get());
                          }
                          BoundingBox.Result parsed = BoundingBox.parse(bbox.get());
                          if (parsed.problem() != null) {
                            return done(responses.badRequest(parsed.problem(), instance));
                          }
                          BoundingBox box = parsed.box();
                          if (box.maxLat() - box.minLat() > MAX_SPAN_DEGREES
                              || box.maxLon() - box.minLon() > MAX_SPAN_DEGREES
                              || box.estimatedCells() > 4 * MAX_CELLS) {
                            return done(tooLarge(instance));
                          }
                          List<String> cells = box.regionCells();
                          if (cells.size() > MAX_CELLS) {
                            return done(tooLarge(instance));
                          }
                          return knotsIn(cells, box);
                        })));
  }

  private HttpResponse tooLarge(String instance) {
    return responses.badRequest(
        "bounding box too large: it covers more than " + MAX_CELLS + " region cells (about "
            + (MAX_CELLS * 5) + " km²); zoom in or list by cell",
        instance);
  }

  static String notARegion(String cell) {
    return "\"" + cell + "\" is not an H3 cell at resolution " + RegionCells.REGION_RESOLUTION
        + " (a region is a resolution-" + RegionCells.REGION_RESOLUTION + " cell, e.g. 871f18b25ffffff, Berlin-Kreuzberg)";
  }

  /**
   * The knots of one cell: its picture's knots as they are (sorted by id there too), the answer
   * rendered once per picture ({@link RenderedViews}); the main job's map viewers list by cell.
   */
  private CompletionStage<HttpResponse> knotsOf(String cell) {
    return weave.regionView(cell)
        .thenApply(view -> cellLists.answer(cell, view, v -> responses.ok(new KnotList(v.knots(), List.of(cell)))));
  }

  private CompletionStage<HttpResponse> knotsIn(List<String> cells, BoundingBox box) {
    List<CompletableFuture<Region.View>> views = new ArrayList<>();
    for (String cell : cells) {
      views.add(weave.regionView(cell).toCompletableFuture());
    }
    return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
        .thenApply(
            all -> {
              List<Region.KnotEntry> knots = new ArrayList<>();
              for (CompletableFuture<Region.View> view : views) {
                for (Region.KnotEntry knot : view.join().knots()) {
                  if (box == null || box.contains(knot.location())) {
                    knots.add(knot);
                  }
                }
              }
              knots.sort(Comparator.comparing(Region.KnotEntry::knotId));
              return responses.ok(new KnotList(knots, cells));
            });
  }
}

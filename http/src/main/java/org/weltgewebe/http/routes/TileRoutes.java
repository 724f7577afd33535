package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.conditional;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;

import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.http.json.Problem;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * Map tiles at {@code /tiles/{z}/{x}/{y}} from the {@link TileOverlay}. A tile never changes under
 * its URL (a new generator gets new ETags, a new tile set would get a new path), so it is served
 * {@code immutable} for a year with a strong ETag, and a revalidation with {@code If-None-Match}
 * answers 304 without a body: tiles are the largest share of traffic, and every hit an edge cache
 * or the browser answers is one the node does not.
 */
public final class TileRoutes {
  static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
  private static final ContentType VECTOR_TILE =
      MediaTypes.applicationBinary("vnd.mapbox-vector-tile", false, "mvt").toContentType();

  private final Responses responses;

  public TileRoutes(Responses responses) {
    this.responses = responses;
  }

  public List<Operation> operations() {
    return List.of(Operation.get("/tiles/{z}/{x}/{y}", Priority.BULK, p -> tile(p.get("z"), p.get("x"), p.get("y"))));
  }

  private Route tile(String zText, String xText, String yText) {
    return extractRequest(
        request -> {
          String instance = request.getUri().path();
          Integer z = parse(zText);
          if (z == null || z < 0 || z > TileOverlay.MAX_ZOOM) {
            return complete(responses.badRequest(
                "zoom must be an integer in [0, " + TileOverlay.MAX_ZOOM + "], got \"" + zText + "\"", instance));
          }
          Long x = parseLong(xText);
          Long y = parseLong(yText);
          if (x == null || y == null) {
            return complete(responses.badRequest(
                "x and y must be integers, got \"" + xText + "\" and \"" + yText + "\"", instance));
          }
          if (!TileOverlay.exists(z, x, y)) {
            return complete(responses.problem(Problem.of("no-such-tile", "Not found", 404,
                "zoom " + z + " has tiles with x and y in [0, " + ((1L << z) - 1) + "]", instance)));
          }
          return respondWithHeaders(
              List.of(RawHeader.create("Cache-Control", CACHE_CONTROL)),
              () ->
                  conditional(
                      EntityTag.create(TileOverlay.etagOf(z, x, y), false),
                      () ->
                          complete(
                              HttpResponse.create()
                                  .withEntity(HttpEntities.create(VECTOR_TILE, TileOverlay.bytesOf(z, x, y))))));
        });
  }

  private static Integer parse(String text) {
    Long value = parseLong(text);
    return value == null || value > Integer.MAX_VALUE || value < Integer.MIN_VALUE ? null : value.intValue();
  }

  private static Long parseLong(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}

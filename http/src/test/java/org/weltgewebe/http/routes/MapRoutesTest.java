package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.http.RequestRefusalTest;
import org.weltgewebe.http.TestApi;

/**
 * The map over real HTTP: region views, knots by viewport and cell, tiles with ETag and 304. The
 * node is shared with other test classes that tie knots in Kreuzberg too, so the assertions name
 * this class's knots rather than count them.
 */
class MapRoutesTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();
  static TestApi.Role ada;
  static String kreuzbergKnot;
  static String munichKnot;
  static final GeoPoint KREUZBERG = new GeoPoint(52.5012, 13.4110);
  static final GeoPoint MUNICH = new GeoPoint(48.137, 11.575);

  @BeforeAll
  static void tieKnots() throws Exception {
    ada = api.register("Ada");
    kreuzbergKnot = knotAt(KREUZBERG, "Kiezfest");
    munichKnot = knotAt(MUNICH, "Biergarten");
  }

  static String knotAt(GeoPoint at, String title) throws Exception {
    HttpResponse<String> response =
        api.post("/knots", TestApi.body(Map.of("type", "IDEA", "title", title,
            "location", Map.of("lat", at.lat(), "lon", at.lon()))), ada.token());
    assertThat(response.statusCode()).isEqualTo(201);
    return TestApi.json(response).at("/knot/knotId").asText();
  }

  @Test
  void aRegionViewShowsItsKnotsAndThreads() throws Exception {
    String cell = RegionCells.regionOf(KREUZBERG);
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode view = TestApi.json(api.get("/regions/" + cell));
      assertThat(view.get("cell").asText()).isEqualTo(cell);
      assertThat(view.get("knots").findValuesAsText("knotId")).contains(kreuzbergKnot);
      assertThat(view.get("threads").findValuesAsText("knotId")).contains(kreuzbergKnot);
    });
  }

  @Test
  void aRegionMustBeAResolution7Cell() throws Exception {
    String resolution8 = RegionCells.h3().latLngToCellAddress(KREUZBERG.lat(), KREUZBERG.lon(), 8);
    assertProblem(api.get("/regions/" + resolution8), 400, "is not an H3 cell at resolution 7");
    assertProblem(api.get("/regions/not-a-cell"), 400, "is not an H3 cell at resolution 7");
  }

  @Test
  void knotsInABoundingBoxAreThoseInsideIt() throws Exception {
    String bbox = "13.39,52.49,13.42,52.51";
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> response = api.get("/knots?bbox=" + bbox);
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode list = TestApi.json(response);
      assertThat(list.get("knots").findValuesAsText("knotId")).contains(kreuzbergKnot).doesNotContain(munichKnot);
      assertThat(list.get("cells").findValuesAsText("")).isEmpty();
      assertThat(list.get("cells")).hasSizeBetween(2, 64);
    });
  }

  @Test
  void aBoxSmallerThanOneRegionStillFindsItsKnot() throws Exception {
    String bbox = (KREUZBERG.lon() - 0.0005) + "," + (KREUZBERG.lat() - 0.0005) + ","
        + (KREUZBERG.lon() + 0.0005) + "," + (KREUZBERG.lat() + 0.0005);
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(TestApi.json(api.get("/knots?bbox=" + bbox)).get("knots").findValuesAsText("knotId"))
            .contains(kreuzbergKnot).doesNotContain(munichKnot));
  }

  @Test
  void knotsInACell() throws Exception {
    String cell = RegionCells.regionOf(MUNICH);
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(TestApi.json(api.get("/knots?cell=" + cell)).get("knots").findValuesAsText("knotId"))
            .contains(munichKnot).doesNotContain(kreuzbergKnot));
  }

  @Test
  void aCellsPictureAndKnotListAreAnsweredAgainUntilAKnotIsTied() throws Exception {
    GeoPoint leipzig = new GeoPoint(51.3397, 12.3731); // a cell no other test of the shared node writes to
    String cell = RegionCells.regionOf(leipzig);
    String first = knotAt(leipzig, "Auerbachs Keller");
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(TestApi.json(api.get("/regions/" + cell)).get("knots").findValuesAsText("knotId")).contains(first);
      assertThat(TestApi.json(api.get("/knots?cell=" + cell)).get("knots").findValuesAsText("knotId")).contains(first);
    });
    // Nothing changes in the cell: back-to-back reads get the same picture (its "at" included), the
    // bytes rendered once. Tried a few times: a picture is reused for at most a second, and the
    // knot's design thread may still be on its way into the region.
    boolean reused = false;
    for (int i = 0; i < 20 && !reused; i++) {
      reused = api.get("/regions/" + cell).body().equals(api.get("/regions/" + cell).body());
      if (!reused) {
        Thread.sleep(100);
      }
    }
    assertThat(reused).as("a region's picture is answered again while nothing in it changed").isTrue();

    String second = knotAt(leipzig, "Clara-Park");
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(TestApi.json(api.get("/regions/" + cell)).get("knots").findValuesAsText("knotId")).contains(first, second);
      assertThat(TestApi.json(api.get("/knots?cell=" + cell)).get("knots").findValuesAsText("knotId")).containsExactlyElementsOf(
          java.util.stream.Stream.of(first, second).sorted().toList());
    });
  }

  @Test
  void malformedOrTooLargeAreasAre400() throws Exception {
    assertProblem(api.get("/knots?bbox=5,45,15,55"), 400, "bounding box too large");
    assertProblem(api.get("/knots?bbox=13.0,52.3,13.8,52.7"), 400, "bounding box too large");
    assertProblem(api.get("/knots?bbox=13.4,52.5,13.41"), 400, "four numbers");
    assertProblem(api.get("/knots?bbox=13.4,52.5,13.3,52.6"), 400, "minLon < maxLon");
    assertProblem(api.get("/knots?bbox=a,52.5,13.3,52.6"), 400, "is not a number");
    assertProblem(api.get("/knots"), 400, "give exactly one of bbox");
    assertProblem(api.get("/knots?cell=xyz"), 400, "is not an H3 cell at resolution 7");
  }

  @Test
  void aTileIsImmutableWithAStrongETagAndRevalidatesTo304() throws Exception {
    HttpResponse<byte[]> tile = api.sendForBytes(api.request("/tiles/15/17602/10746").GET().build());
    assertThat(tile.statusCode()).isEqualTo(200);
    assertThat(tile.headers().firstValue("Content-Type")).hasValue("application/vnd.mapbox-vector-tile");
    assertThat(tile.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
    String etag = tile.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).startsWith("\"").doesNotStartWith("W/");
    assertThat(tile.body().length).isBetween(256, 96 * 1024);
    HttpResponse<byte[]> again = api.sendForBytes(api.request("/tiles/15/17602/10746").GET().build());
    assertThat(again.body()).isEqualTo(tile.body());

    HttpResponse<String> revalidated = api.send(api.request("/tiles/15/17602/10746").header("If-None-Match", etag).GET().build());
    assertThat(revalidated.statusCode()).isEqualTo(304);
    assertThat(revalidated.body()).isEmpty();
    assertThat(revalidated.headers().firstValue("ETag")).hasValue(etag);
    assertThat(revalidated.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
    RequestRefusalTest.assertSecurityHeaders(revalidated);
  }

  @Test
  void tileAddressesOutsideThePyramidAreRefused() throws Exception {
    assertProblem(api.get("/tiles/21/0/0"), 400, "zoom must be an integer in [0, 20]");
    assertProblem(api.get("/tiles/z/0/0"), 400, "zoom must be an integer");
    assertProblem(api.get("/tiles/3/a/0"), 400, "x and y must be integers");
    assertProblem(api.get("/tiles/3/8/0"), 404, "zoom 3 has tiles with x and y in [0, 7]");
    assertProblem(api.get("/tiles/3/0/-1"), 404, "zoom 3 has tiles");
  }

  @Test
  void streetZoomTilesWeighTensOfKilobytes() {
    List<Integer> sizes = new ArrayList<>();
    for (int x = 0; x < 40; x++) {
      for (int y = 0; y < 25; y++) {
        sizes.add(TileOverlay.sizeOf(15, 17580 + x, 10730 + y));
      }
    }
    int[] sorted = sizes.stream().mapToInt(Integer::intValue).sorted().toArray();
    int median = sorted[sorted.length / 2];
    int p5 = sorted[sorted.length * 5 / 100];
    int p95 = sorted[sorted.length * 95 / 100];
    assertThat(median).isBetween(20 * 1024, 28 * 1024);
    assertThat(p5).isBetween(8 * 1024, 14 * 1024);
    assertThat(p95).isBetween(45 * 1024, 66 * 1024);
    assertThat(TileOverlay.sizeOf(0, 0, 0)).isLessThan(4 * 1024);
    assertThat(Arrays.stream(sorted).distinct().count()).isGreaterThan(900);
  }
}

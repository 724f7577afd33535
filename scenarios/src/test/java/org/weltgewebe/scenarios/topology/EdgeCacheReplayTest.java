package org.weltgewebe.scenarios.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.reports.CostKpis;

/**
 * The edge quota replayed from an access log in Caddy's JSON format: what a shared cache may store
 * (RFC 9111) and for how long, on the scenario's virtual time.
 */
class EdgeCacheReplayTest {
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";

  @TempDir Path tmp;

  private final List<String> lines = new ArrayList<>();

  private void log(double ts, String method, String uri, int status, String contentType, String cacheControl, boolean authorized) {
    String cc = cacheControl == null ? "" : ",\"Cache-Control\":[\"" + cacheControl + "\"]";
    String auth = authorized ? "\"Authorization\":[\"REDACTED\"]," : "";
    lines.add("{\"level\":\"info\",\"ts\":" + ts + ",\"logger\":\"http.log.access.log0\",\"msg\":\"handled request\","
        + "\"request\":{\"remote_ip\":\"127.0.0.1\",\"proto\":\"HTTP/1.1\",\"method\":\"" + method + "\",\"host\":\"127.0.0.1:8081\",\"uri\":\""
        + uri + "\",\"headers\":{" + auth + "\"Accept-Encoding\":[\"gzip\"]}},\"duration\":0.001,\"size\":10,\"status\":" + status
        + ",\"resp_headers\":{\"Content-Type\":[\"" + contentType + "\"]" + cc + "}}");
  }

  private CostKpis.MeasuredEdge replay(double compression) throws Exception {
    Path file = tmp.resolve("access.log");
    Files.write(file, lines);
    return EdgeCacheReplay.replay(file, compression);
  }

  @Test
  void immutableTilesHitAfterTheirFirstFetch() throws Exception {
    log(1000.0, "GET", "/tiles/14/1/1", 200, "application/vnd.mapbox-vector-tile", IMMUTABLE, false);
    log(1000.1, "GET", "/tiles/14/1/1", 200, "application/vnd.mapbox-vector-tile", IMMUTABLE, false);
    log(1000.2, "GET", "/tiles/14/1/2", 200, "application/vnd.mapbox-vector-tile", IMMUTABLE, false);
    log(9000.0, "GET", "/tiles/14/1/1", 200, "application/vnd.mapbox-vector-tile", IMMUTABLE, false);
    log(9000.1, "GET", "/knots/k1", 200, "application/json", null, false); // neither tile nor HTML: not counted

    CostKpis.MeasuredEdge edge = replay(24);

    assertThat(edge.tileRequests()).isEqualTo(4);
    assertThat(edge.tileCacheable()).isEqualTo(2);
    assertThat(edge.tileHits()).isEqualTo(2);
    assertThat(edge.tileHitPercent()).isEqualTo(50.0);
    assertThat(edge.htmlRequests()).isZero();
    assertThat(edge.htmlHitPercent()).isNull();
    assertThat(edge.hitPercent()).isEqualTo(50.0);
    assertThat(edge.basis()).contains("5 requests").contains("× 24").contains("No HTML was requested");
  }

  @Test
  void htmlIsFreshForItsSMaxAgeInVirtualTime() throws Exception {
    // s-maxage 600 s of the users' day is 25 s of wall time at 24x
    log(0.0, "GET", "/", 200, "text/html; charset=utf-8", "public, s-maxage=600", false);
    log(20.0, "GET", "/", 200, "text/html; charset=utf-8", "public, s-maxage=600", false);
    log(30.0, "GET", "/", 200, "text/html; charset=utf-8", "public, s-maxage=600", false);
    log(31.0, "GET", "/", 200, "text/html; charset=utf-8", "public, s-maxage=600", false);

    CostKpis.MeasuredEdge edge = replay(24);

    assertThat(edge.htmlRequests()).isEqualTo(4);
    assertThat(edge.htmlHits()).as("20 s later is fresh, 30 s later is not, 31 s is fresh again").isEqualTo(2);
    assertThat(edge.htmlCacheable()).isEqualTo(2);
  }

  @Test
  void whatASharedCacheMustNotStoreIsNeverAHit() throws Exception {
    log(0, "GET", "/me", 200, "text/html", "private, max-age=600", false);
    log(1, "GET", "/me", 200, "text/html", "private, max-age=600", false);
    log(2, "GET", "/nostore", 200, "text/html", "no-store", false);
    log(3, "GET", "/nostore", 200, "text/html", "no-store", false);
    log(4, "GET", "/tiles/1/1/1", 503, "application/problem+json", null, false); // shed: no headers, not stored
    log(5, "GET", "/tiles/1/1/1", 200, "application/vnd.mapbox-vector-tile", IMMUTABLE, false);
    log(6, "GET", "/signed-in", 200, "text/html", "max-age=600", true); // credentials without public or s-maxage
    log(7, "GET", "/signed-in", 200, "text/html", "max-age=600", true);
    log(8, "HEAD", "/tiles/1/1/1", 200, "application/vnd.mapbox-vector-tile", IMMUTABLE, false);

    CostKpis.MeasuredEdge edge = replay(1);

    assertThat(edge.htmlHits()).isZero();
    assertThat(edge.htmlCacheable()).isZero();
    assertThat(edge.tileRequests()).isEqualTo(2);
    assertThat(edge.tileHits()).isZero();
    assertThat(edge.tileCacheable()).isEqualTo(1);
  }

  @Test
  void sharedFreshnessFollowsRfc9111() {
    assertThat(EdgeCacheReplay.sharedFreshness("public, s-maxage=600", true)).hasValue(600);
    assertThat(EdgeCacheReplay.sharedFreshness("max-age=60, s-maxage=600", false)).hasValue(600);
    assertThat(EdgeCacheReplay.sharedFreshness("public, max-age=31536000, immutable", true)).hasValue(31536000);
    assertThat(EdgeCacheReplay.sharedFreshness("max-age=60", true)).isEmpty();
    assertThat(EdgeCacheReplay.sharedFreshness("no-cache, max-age=60", false)).isEmpty();
    assertThat(EdgeCacheReplay.sharedFreshness("max-age=0", false)).isEmpty();
    assertThat(EdgeCacheReplay.sharedFreshness("", false)).isEmpty();
  }

  @Test
  void aMissingLogIsNoTraffic() {
    CostKpis.MeasuredEdge edge = EdgeCacheReplay.replay(tmp.resolve("none.log"), 24);
    assertThat(edge.tileRequests()).isZero();
    assertThat(edge.hitPercent()).isNull();
  }
}

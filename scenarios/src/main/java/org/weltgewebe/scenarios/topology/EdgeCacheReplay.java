package org.weltgewebe.scenarios.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.weltgewebe.reports.CostKpis;

/**
 * The edge quota as the headers Caddy actually sent decide it: Caddy's JSON access log replayed, in
 * order, through a shared cache that follows RFC 9111 — a GET answered 200 is stored when its
 * Cache-Control gives a shared cache explicit freshness ({@code s-maxage}, else {@code max-age})
 * and forbids nothing ({@code private}, {@code no-store}, {@code no-cache}; an answer to a request
 * with credentials only when {@code public} or {@code s-maxage}); a later request for the same URL
 * (and the same values of the headers its {@code Vary} names) within that freshness is a hit the
 * edge would have answered without the origin.
 *
 * <p>Time is the scenario's virtual time (wall seconds between log lines × the run's compression),
 * because a 600-s {@code s-maxage} is 600 s of the users' day, which a run at 24× replays in 25 s.
 * The cache is unbounded and in one place: an upper bound for a CDN whose many locations each fill
 * on their own. Tiles are requests under {@code /tiles/}, HTML answers those whose Content-Type is
 * {@code text/html}.
 */
public final class EdgeCacheReplay {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d+)");
  private static final Pattern S_MAXAGE = Pattern.compile("(?:^|[,\\s])s-maxage\\s*=\\s*\"?(\\d+)");

  private final double compression;
  private final Map<String, Double> freshUntil = new HashMap<>();
  private long lines;
  private long tileRequests;
  private long tileCacheable;
  private long tileHits;
  private long htmlRequests;
  private long htmlCacheable;
  private long htmlHits;
  private double firstTs = Double.NaN;

  private EdgeCacheReplay(double compression) {
    this.compression = compression;
  }

  /** Replays {@code accessLog} with virtual time running {@code compression} times faster than the log's. */
  public static CostKpis.MeasuredEdge replay(Path accessLog, double compression) {
    EdgeCacheReplay replay = new EdgeCacheReplay(compression);
    if (Files.isRegularFile(accessLog)) {
      try (BufferedReader in = Files.newBufferedReader(accessLog, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          if (!line.isBlank()) {
            replay.accept(JSON.readTree(line));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read Caddy's access log " + accessLog, e);
      }
    }
    return replay.result(accessLog);
  }

  /** The number of requests the log holds. */
  public static long requestsIn(Path accessLog) {
    if (!Files.isRegularFile(accessLog)) {
      return 0;
    }
    try (var lines = Files.lines(accessLog, StandardCharsets.UTF_8)) {
      return lines.filter(l -> !l.isBlank()).count();
    } catch (IOException e) {
      return 0;
    }
  }

  private void accept(JsonNode entry) {
    JsonNode request = entry.path("request");
    if (request.isMissingNode() || !entry.has("status")) {
      return;
    }
    lines++;
    double ts = entry.path("ts").asDouble();
    if (Double.isNaN(firstTs)) {
      firstTs = ts;
    }
    double virtual = (ts - firstTs) * compression;
    String method = request.path("method").asText();
    String uri = request.path("uri").asText();
    int status = entry.path("status").asInt();
    JsonNode response = entry.path("resp_headers");
    boolean tile = uri.startsWith("/tiles/");
    boolean html = header(response, "Content-Type").toLowerCase(Locale.ROOT).startsWith("text/html");
    if (!"GET".equals(method) || !(tile || html)) {
      return;
    }
    if (tile) {
      tileRequests++;
    } else {
      htmlRequests++;
    }
    String key = method + " " + request.path("host").asText() + uri + vary(response, request.path("headers"));
    Double until = freshUntil.get(key);
    if (until != null && virtual <= until) {
      if (tile) {
        tileHits++;
      } else {
        htmlHits++;
      }
      return;
    }
    OptionalLong ttl = status == 200 ? sharedFreshness(header(response, "Cache-Control"), request.path("headers").has("Authorization"))
        : OptionalLong.empty();
    if (ttl.isPresent() && !"*".equals(header(response, "Vary").trim())) {
      if (tile) {
        tileCacheable++;
      } else {
        htmlCacheable++;
      }
      freshUntil.put(key, virtual + ttl.getAsLong());
    }
  }

  /** Seconds a shared cache may serve the answer without asking the origin; empty when it must not store it. */
  static OptionalLong sharedFreshness(String cacheControl, boolean withCredentials) {
    String cc = cacheControl.toLowerCase(Locale.ROOT);
    if (cc.isBlank() || cc.contains("no-store") || cc.contains("private") || cc.matches("(?s).*(^|[,\\s])no-cache.*")) {
      return OptionalLong.empty();
    }
    Matcher s = S_MAXAGE.matcher(cc);
    boolean shared = s.find();
    if (withCredentials && !shared && !cc.contains("public")) {
      return OptionalLong.empty();
    }
    if (shared) {
      return OptionalLong.of(Long.parseLong(s.group(1)));
    }
    Matcher m = MAX_AGE.matcher(cc);
    return m.find() && Long.parseLong(m.group(1)) > 0 ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }

  /** The request headers the answer's Vary names, as part of the cache key. */
  private static String vary(JsonNode response, JsonNode requestHeaders) {
    String vary = header(response, "Vary");
    if (vary.isBlank()) {
      return "";
    }
    StringBuilder key = new StringBuilder();
    for (String name : vary.split(",", -1)) {
      key.append('|').append(name.trim().toLowerCase(Locale.ROOT)).append('=').append(header(requestHeaders, name.trim()));
    }
    return key.toString();
  }

  /** A header's values joined by ", " (Caddy logs every header as a list), matched without regard to case. */
  private static String header(JsonNode headers, String name) {
    for (Map.Entry<String, JsonNode> f : headers.properties()) {
      if (f.getKey().equalsIgnoreCase(name)) {
        StringBuilder v = new StringBuilder();
        f.getValue().forEach(x -> v.append(v.length() > 0 ? ", " : "").append(x.asText()));
        return f.getValue().isArray() ? v.toString() : f.getValue().asText();
      }
    }
    return "";
  }

  private CostKpis.MeasuredEdge result(Path accessLog) {
    Double tilePercent = tileRequests > 0 ? 100.0 * tileHits / tileRequests : null;
    Double htmlPercent = htmlRequests > 0 ? 100.0 * htmlHits / htmlRequests : null;
    long all = tileRequests + htmlRequests;
    String basis = String.format(Locale.ROOT,
        "%,d requests of Caddy's access log (%s) replayed in order through one unbounded shared cache (RFC 9111: a 200 is stored when "
            + "its Cache-Control gives s-maxage or max-age and is not private, no-store or no-cache; fresh for s-maxage, else max-age) on "
            + "the scenario's virtual time (wall seconds × %s). An upper bound for a CDN whose locations fill separately.%s",
        lines, accessLog.getFileName(), trim(compression),
        htmlRequests == 0 ? " No HTML was requested: the run replays the API; pages come from the SSR frontend, which is not part of the platform." : "");
    return new CostKpis.MeasuredEdge(tileRequests, tileCacheable, tileHits, tilePercent, htmlRequests, htmlCacheable, htmlHits, htmlPercent,
        all > 0 ? 100.0 * (tileHits + htmlHits) / all : null, basis);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}

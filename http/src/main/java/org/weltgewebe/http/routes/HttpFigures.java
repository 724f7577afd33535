package org.weltgewebe.http.routes;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.weltgewebe.http.shedding.Endpoint;

/**
 * The API's own series, beside Kamon's HTTP server series ({@code HttpServerTelemetry}): requests shed per
 * route template, response bytes (egress) per route template — Kamon's response-size histogram has
 * no route label, and the cost model prices egress per route — and the live connections (SSE
 * subscribers, chat WebSockets) a node holds.
 */
public final class HttpFigures {
  /** The shed counter per endpoint, looked up once: a refusal should cost as little as possible. */
  private static final Map<Endpoint, Counter> SHED = new ConcurrentHashMap<>();

  /**
   * The egress counter per endpoint, looked up once: building the tags and finding the series in
   * Kamon's registry on every response showed in the read profiles.
   */
  private static final Map<Endpoint, Counter> EGRESS = new ConcurrentHashMap<>();

  private HttpFigures() {}

  /** A request of {@code endpoint} was answered 503 by the load shedder. */
  public static void shed(Endpoint endpoint) {
    SHED.computeIfAbsent(
            endpoint,
            e -> Kamon.counter("weltgewebe_http_shed_requests", "Requests answered 503 at once by the load shedder")
                .withTag("route", e.template())
                .withTag("method", e.method()))
        .increment();
  }

  /** Counts the bytes of {@code response} as egress of {@code endpoint}, also for streamed bodies. */
  public static HttpResponse countEgress(Endpoint endpoint, HttpResponse response) {
    Counter bytes =
        EGRESS.computeIfAbsent(
            endpoint,
            e -> Kamon.counter("weltgewebe_http_response_bytes", "Response body bytes sent, per route template (egress)")
                .withTag("route", e.template())
                .withTag("method", e.method()));
    ResponseEntity entity = response.entity();
    if (entity.isStrict() || entity.getContentLengthOption().isPresent()) {
      entity.getContentLengthOption().ifPresent(bytes::increment);
      return response;
    }
    Flow<ByteString, ByteString, NotUsed> counting = Flow.<ByteString>create().map(chunk -> {
      bytes.increment(chunk.size());
      return chunk;
    });
    // A streamed body (SSE): counted chunk by chunk as it leaves.
    return response.withEntity(
        HttpEntities.createChunked(entity.getContentType(), entity.getDataBytes().via(counting)));
  }

  /** The gauge of open live connections of {@code kind} ("sse" or "websocket"). */
  static Gauge liveConnections(String kind) {
    return Kamon.gauge("weltgewebe_http_live_connections", "Open SSE feeds and chat WebSockets on this node")
        .withTag("kind", kind);
  }
}

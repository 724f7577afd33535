package org.weltgewebe.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import kamon.prometheus.ScrapeSource;
import kamon.prometheus.embeddedhttp.EmbeddedHttpServer;

/**
 * The Prometheus scrape endpoint, plugged into Kamon's Prometheus reporter as its embedded server
 * ({@code kamon.prometheus.embedded-server.impl}). Kamon's own "sun" server does the same but keeps
 * the bound address to itself; this one records it, so that port 0 (a free port, in tests) can be
 * read back by {@link NodeMetrics}.
 *
 * <p>Public only because Kamon creates it by reflection from its class name.
 */
public final class MetricsEndpoint extends EmbeddedHttpServer {
  /** Content type of the Prometheus text exposition format. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final AtomicReference<InetSocketAddress> bound = new AtomicReference<>();

  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "weltgewebe-metrics-endpoint");
            t.setDaemon(true);
            return t;
          });

  /** The constructor Kamon's reporter calls: where to listen, and what to serve. */
  public MetricsEndpoint(String hostname, int port, String path, ScrapeSource scrapeSource, Config config) {
    super(hostname, port, scrapeSource, config);
    try {
      server = HttpServer.create(new InetSocketAddress(hostname, port), 0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serve metrics on " + hostname + ":" + port, e);
    }
    server.createContext(path, exchange -> serve(exchange, scrapeSource));
    server.setExecutor(executor);
    server.start();
    bound.set(server.getAddress());
  }

  /** Where the endpoint of this JVM listens, once Kamon has started it. */
  static Optional<InetSocketAddress> bound() {
    return Optional.ofNullable(bound.get());
  }

  private static void serve(HttpExchange exchange, ScrapeSource scrapeSource) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body = scrapeSource.scrapeData().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(200, head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  @Override
  public void stop() {
    bound.compareAndSet(server.getAddress(), null); // a successor may have bound already
    server.stop(0);
    executor.shutdownNow();
  }
}

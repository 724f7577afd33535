package org.weltgewebe.scenarios.run;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * An SSE subscriber the runner keeps connected to one feed for the whole run, counting the events
 * it receives by their {@code id:} (the feed stream's sequence): the oracle's last leg, delivery to
 * a client. Duplicates and ids that go backwards are counted, not hidden.
 */
final class FeedWatcher implements AutoCloseable {
  private final String feed;
  private final Set<Long> seen = new HashSet<>();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong outOfOrder = new AtomicLong();
  private volatile long lastId = -1;
  private volatile boolean disconnected;
  private volatile Stream<String> lines;
  private final Thread reader;

  private FeedWatcher(String feed, HttpResponse<Stream<String>> response) {
    this.feed = feed;
    this.lines = response.body();
    this.reader = new Thread(this::read, "feed-watcher " + feed);
    reader.setDaemon(true);
    reader.start();
  }

  /** Subscribes to {@code path} of {@code api} and returns once the stream is open (headers received). */
  static FeedWatcher open(HttpClient client, URI api, String path) {
    HttpRequest request =
        HttpRequest.newBuilder(api.resolve(path)).header("Accept", "text/event-stream").GET().build();
    try {
      HttpResponse<Stream<String>> response =
          client.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
      if (response.statusCode() != 200) {
        throw new IllegalStateException("feed " + path + " answered " + response.statusCode());
      }
      return new FeedWatcher(path, response);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while subscribing to " + path, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot subscribe to feed " + path + ": " + e.getMessage(), e);
    }
  }

  private void read() {
    try {
      lines.forEach(line -> {
        if (!line.startsWith("id:")) {
          return;
        }
        long id = Long.parseLong(line.substring(3).trim());
        synchronized (seen) {
          if (!seen.add(id)) {
            duplicates.incrementAndGet();
            return;
          }
        }
        if (id < lastId) {
          outOfOrder.incrementAndGet();
        }
        lastId = Math.max(lastId, id);
        delivered.incrementAndGet();
      });
    } catch (RuntimeException e) {
      // the connection ended (closed by us at the end, or lost): a lost one shows as missing events
    } finally {
      disconnected = true;
    }
  }

  String feed() {
    return feed;
  }

  long delivered() {
    return delivered.get();
  }

  long duplicates() {
    return duplicates.get();
  }

  long outOfOrder() {
    return outOfOrder.get();
  }

  /** True when the stream ended before the run closed it: then the watcher did not stay connected. */
  boolean disconnected() {
    return disconnected;
  }

  /** Waits up to {@code within} for {@code expected} deliveries. */
  boolean awaitDelivered(long expected, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (delivered.get() < expected && System.nanoTime() < deadline && !disconnected) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return delivered.get() >= expected;
  }

  @Override
  public void close() {
    Stream<String> s = lines;
    if (s != null) {
      s.close();
    }
    reader.interrupt();
  }
}

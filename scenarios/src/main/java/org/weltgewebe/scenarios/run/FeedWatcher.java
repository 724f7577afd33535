package org.weltgewebe.scenarios.run;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * An SSE subscriber the runner keeps connected to one feed for the whole run, counting the events
 * it receives by their {@code id:} (the feed stream's sequence): the oracle's last leg, delivery to
 * a client. Duplicates and ids that go backwards are counted, not hidden.
 *
 * <p>When the connection ends (its node was killed, downed or restarted) the watcher does what a
 * browser's EventSource does: it connects again, with {@code Last-Event-ID} set to the last id it
 * received, so the platform replays what it missed; it counts the reconnections. It gives up (and
 * counts as disconnected) only when no connection succeeds for {@link #GIVE_UP_AFTER}.
 */
final class FeedWatcher implements AutoCloseable {
  static final Duration GIVE_UP_AFTER = Duration.ofMinutes(3);
  private static final Duration RETRY_EVERY = Duration.ofMillis(500);

  private final String feed;
  private final HttpClient client;
  private final URI api;
  private final AtomicLong reconnects = new AtomicLong();
  private volatile boolean closed;
  private final Set<Long> seen = new HashSet<>();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong outOfOrder = new AtomicLong();
  private volatile long lastId = -1;
  private volatile boolean disconnected;
  private volatile Stream<String> lines;
  private final Thread reader;

  private FeedWatcher(HttpClient client, URI api, String feed, HttpResponse<Stream<String>> response) {
    this.feed = feed;
    this.client = client;
    this.api = api;
    this.lines = response.body();
    this.reader = new Thread(this::read, "feed-watcher " + feed);
    reader.setDaemon(true);
    reader.start();
  }

  /** Subscribes to {@code path} of {@code api} and returns once the stream is open (headers received). */
  static FeedWatcher open(HttpClient client, URI api, String path) {
    try {
      return new FeedWatcher(client, api, path, subscribe(client, api, path, -1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while subscribing to " + path, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot subscribe to feed " + path + ": " + e.getMessage(), e);
    }
  }

  private static HttpResponse<Stream<String>> subscribe(HttpClient client, URI api, String path, long lastEventId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).header("Accept", "text/event-stream").GET();
    if (lastEventId >= 0) {
      request.header("Last-Event-ID", String.valueOf(lastEventId));
    }
    HttpResponse<Stream<String>> response =
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
    if (response.statusCode() != 200) {
      response.body().close();
      throw new IllegalStateException("feed " + path + " answered " + response.statusCode());
    }
    return response;
  }

  private void read() {
    try {
      while (!closed) {
        readUntilTheConnectionEnds();
        if (closed || !reconnect()) {
          return;
        }
      }
    } finally {
      disconnected = !closed;
    }
  }

  // Connects again with the last id received until a connection is open, for up to GIVE_UP_AFTER.
  private boolean reconnect() {
    long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
    while (!closed && System.nanoTime() < deadline) {
      try {
        lines = subscribe(client, api, feed, lastId).body();
        reconnects.incrementAndGet();
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (Exception e) {
        try {
          Thread.sleep(RETRY_EVERY.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
  }

  private void readUntilTheConnectionEnds() {
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
      // the connection ended (closed by us at the end, or lost): a lost one is connected again
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

  /** The ids (feed stream sequences) delivered so far. */
  List<Long> deliveredIds() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  long outOfOrder() {
    return outOfOrder.get();
  }

  /** How often the connection ended and was opened again with Last-Event-ID. */
  long reconnects() {
    return reconnects.get();
  }

  /** True when the stream ended before the run closed it and could not be opened again. */
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
    closed = true;
    Stream<String> s = lines;
    if (s != null) {
      s.close();
    }
    reader.interrupt();
  }
}

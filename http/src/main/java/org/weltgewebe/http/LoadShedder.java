package org.weltgewebe.http;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import com.typesafe.config.Config;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission control in front of the routes: an adaptive concurrency limit, shared by priority
 * class, that refuses the excess at once instead of letting it queue.
 *
 * <p>The limit is Netflix's Gradient2 (concurrency-limits): it compares the short-term latency of
 * finished requests with their long-term average and lowers the number of requests allowed in
 * flight when latency climbs (queues are forming somewhere: the dispatcher, the entity mailboxes,
 * the connection pool to PostgreSQL), raising it again while latency stays flat. A request of
 * priority {@code p} is admitted only while {@code inFlight < limit × share(p)}: with the default
 * shares (session writes 100 %, reads 80 %, bulk 50 %) tiles are shed as soon as half the limit is
 * busy, reads at four fifths, and the writes of sessions in progress only at the limit itself.
 * Health checks never pass through here.
 *
 * <p>A refused request costs one atomic read and a counter increment, so the 503 stays fast
 * however deep the overload. Shed counts are kept per route template as plain counters until a
 * metrics registry exists.
 */
final class LoadShedder {
  private final Limit limit;
  private final Map<Priority, Double> shares;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, LongAdder> shed = new ConcurrentHashMap<>();
  private volatile int currentLimit;

  LoadShedder(Limit limit, Map<Priority, Double> shares) {
    this.limit = limit;
    this.shares = new EnumMap<>(shares);
    this.currentLimit = limit.getLimit();
    limit.notifyOnChange(changed -> currentLimit = changed);
  }

  /** The shedder {@code weltgewebe.http.shedding} describes. */
  static LoadShedder from(Config shedding) {
    int initial = shedding.getInt("initial-limit");
    Limit limit;
    if (shedding.getString("algorithm").equals("fixed")) {
      limit = FixedLimit.of(initial);
    } else {
      limit =
          WindowedLimit.newBuilder()
              .minWindowTime(shedding.getDuration("window", TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS)
              .maxWindowTime(shedding.getDuration("window", TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS)
              .build(
                  Gradient2Limit.newBuilder()
                      .initialLimit(initial)
                      .minLimit(shedding.getInt("min-limit"))
                      .maxConcurrency(shedding.getInt("max-limit"))
                      .queueSize(shedding.getInt("queue-size"))
                      .build());
    }
    Map<Priority, Double> shares = new EnumMap<>(Priority.class);
    shares.put(Priority.SESSION_WRITE, shedding.getDouble("share.session-write"));
    shares.put(Priority.READ, shedding.getDouble("share.read"));
    shares.put(Priority.BULK, shedding.getDouble("share.bulk"));
    return new LoadShedder(limit, shares);
  }

  /** A permit to run a request of {@code endpoint}, or empty when it must be shed. */
  Optional<Permit> tryAcquire(Endpoint endpoint) {
    int allowed = Math.max(1, (int) Math.floor(currentLimit * shares.get(endpoint.priority())));
    while (true) {
      int now = inFlight.get();
      if (now >= allowed) {
        shed.computeIfAbsent(endpoint.toString(), k -> new LongAdder()).increment();
        return Optional.empty();
      }
      if (inFlight.compareAndSet(now, now + 1)) {
        return Optional.of(new Permit(System.nanoTime(), now + 1));
      }
    }
  }

  /** Requests shed so far, per endpoint ({@code "POST /conversations/{id}/messages"}). */
  Map<String, Long> shedCounts() {
    Map<String, Long> counts = new TreeMap<>();
    shed.forEach((endpoint, count) -> counts.put(endpoint, count.sum()));
    return counts;
  }

  int limit() {
    return currentLimit;
  }

  int inFlight() {
    return inFlight.get();
  }

  /** An admitted request; released once its response is ready. */
  final class Permit {
    private final long startNanos;
    private final int inFlightAtStart;

    private Permit(long startNanos, int inFlightAtStart) {
      this.startNanos = startNanos;
      this.inFlightAtStart = inFlightAtStart;
    }

    /**
     * Ends the request. {@code dropped} tells the limit the request failed from overload (an entity
     * timed out): the limit then backs off as it would for a latency rise.
     */
    void release(boolean dropped) {
      inFlight.decrementAndGet();
      limit.onSample(startNanos, System.nanoTime() - startNanos, inFlightAtStart, dropped);
    }
  }
}

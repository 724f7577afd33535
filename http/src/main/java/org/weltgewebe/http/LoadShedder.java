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
 * Admission control in front of the routes: a concurrency limit, shared by priority class, that
 * refuses the excess at once instead of letting it queue.
 *
 * <p>A write costs milliseconds of CPU (most of it the Ed25519 check of the token), so on a node of
 * a few cores the CPU is saturated by a handful of requests in flight; more in flight add queueing
 * and latency, not throughput. The limit therefore moves inside a band around that knee: Netflix's
 * Gradient2 (concurrency-limits) lowers it when the latency of finished requests climbs above
 * their long-term average (a queue is forming: dispatcher, entity mailboxes, the PostgreSQL pool)
 * and raises it while latency stays flat, but never below {@code min-limit} (latency also rises
 * when the CPU is busy answering 503s, and shrinking the limit then would only cut goodput) nor
 * above {@code max-limit}. Vegas is not offered: it has no floor, and its no-load baseline is the
 * minimum latency ever seen, which on a busy, shared machine is an outlier.
 *
 * <p>A read or write of priority {@code p} is admitted only while {@code inFlight < limit ×
 * share(p)}: reads are shed at four fifths of the limit, the writes of sessions in progress only at
 * the limit itself. Tiles and search (bulk) have a fixed budget of their own and are shed first, as
 * soon as reads and writes fill half the limit (see {@link #tryAcquireBulk}). Health checks never
 * pass through here.
 *
 * <p>A refused request costs one atomic read and a counter increment; {@link ApiRoutes} asks before
 * routing, so the 503 stays fast however deep the overload. Shed counts are kept per route
 * template.
 */
final class LoadShedder {
  private final Limit limit;
  private final Map<Priority, Double> shares;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger bulkInFlight = new AtomicInteger();
  private final int bulkLimit;
  private final Map<String, LongAdder> shed = new ConcurrentHashMap<>();
  private volatile int currentLimit;

  LoadShedder(Limit limit, Map<Priority, Double> shares, int bulkLimit) {
    this.limit = limit;
    this.bulkLimit = bulkLimit;
    this.shares = new EnumMap<>(shares);
    this.currentLimit = limit.getLimit();
    limit.notifyOnChange(changed -> currentLimit = changed);
  }

  /** The shedder {@code weltgewebe.http.shedding} describes. */
  static LoadShedder from(Config shedding) {
    int initial = shedding.getInt("initial-limit");
    String algorithm = shedding.getString("algorithm");
    Limit limit;
    if (algorithm.equals("fixed")) {
      limit = FixedLimit.of(initial);
    } else if (algorithm.equals("gradient2")) {
      long window = shedding.getDuration("window", TimeUnit.NANOSECONDS);
      limit =
          WindowedLimit.newBuilder()
              .minWindowTime(window, TimeUnit.NANOSECONDS)
              .maxWindowTime(window, TimeUnit.NANOSECONDS)
              .windowSize(shedding.getInt("window-samples"))
              .build(
                  Gradient2Limit.newBuilder()
                      .initialLimit(initial)
                      .minLimit(shedding.getInt("min-limit"))
                      .maxConcurrency(shedding.getInt("max-limit"))
                      .queueSize(shedding.getInt("queue-size"))
                      .rttTolerance(shedding.getDouble("rtt-tolerance"))
                      .build());
    } else {
      throw new IllegalArgumentException(
          "weltgewebe.http.shedding.algorithm must be gradient2 or fixed, not " + algorithm);
    }
    Map<Priority, Double> shares = new EnumMap<>(Priority.class);
    shares.put(Priority.SESSION_WRITE, shedding.getDouble("share.session-write"));
    shares.put(Priority.READ, shedding.getDouble("share.read"));
    shares.put(Priority.BULK, shedding.getDouble("share.bulk"));
    return new LoadShedder(limit, shares, shedding.getInt("bulk-limit"));
  }

  /** A permit to run a request of {@code endpoint}, or empty when it must be shed. */
  Optional<Permit> tryAcquire(Endpoint endpoint) {
    if (endpoint.priority() == Priority.BULK) {
      return tryAcquireBulk(endpoint);
    }
    int allowed = Math.max(1, (int) Math.floor(currentLimit * shares.get(endpoint.priority())));
    while (true) {
      int now = inFlight.get();
      if (now >= allowed) {
        shed.computeIfAbsent(endpoint.toString(), k -> new LongAdder()).increment();
        return Optional.empty();
      }
      if (inFlight.compareAndSet(now, now + 1)) {
        return Optional.of(new Permit(System.nanoTime(), now + 1, false));
      }
    }
  }

  /**
   * Tiles and search cost a millisecond and touch no entity, and a browser asks for a viewport's
   * tiles six at a time: counted against the adaptive limit (set around the write knee) they would
   * be shed at a handful in flight under normal load. So they have a budget of their own ({@code
   * bulk-limit}) and do not teach the limit their latency, but are still shed first: as soon as
   * the other classes fill {@code share.bulk} of the adaptive limit, which only happens near
   * overload.
   */
  private Optional<Permit> tryAcquireBulk(Endpoint endpoint) {
    int overloadSignal = Math.max(1, (int) Math.floor(currentLimit * shares.get(Priority.BULK)));
    while (inFlight.get() < overloadSignal) {
      int now = bulkInFlight.get();
      if (now >= bulkLimit) {
        break;
      }
      if (bulkInFlight.compareAndSet(now, now + 1)) {
        return Optional.of(new Permit(System.nanoTime(), now + 1, true));
      }
    }
    shed.computeIfAbsent(endpoint.toString(), k -> new LongAdder()).increment();
    return Optional.empty();
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

  /** Requests in flight, bulk included. */
  int inFlight() {
    return inFlight.get() + bulkInFlight.get();
  }

  /** An admitted request; released once its response is ready. */
  final class Permit {
    private final long startNanos;
    private final int inFlightAtStart;
    private final boolean bulk;

    private Permit(long startNanos, int inFlightAtStart, boolean bulk) {
      this.startNanos = startNanos;
      this.inFlightAtStart = inFlightAtStart;
      this.bulk = bulk;
    }

    /**
     * Ends the request. {@code dropped} tells the limit the request failed from overload (an entity
     * timed out): the limit then backs off as it would for a latency rise.
     */
    void release(boolean dropped) {
      if (bulk) {
        bulkInFlight.decrementAndGet();
        return;
      }
      inFlight.decrementAndGet();
      limit.onSample(startNanos, System.nanoTime() - startNanos, inFlightAtStart, dropped);
    }
  }
}

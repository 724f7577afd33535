package org.weltgewebe.http.shedding;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import com.typesafe.config.Config;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Admission control in front of the routes: a concurrency limit per priority class that refuses
 * the excess at once instead of letting it queue.
 *
 * <p>Reads and session writes each have a limit of their own. They cost very differently: a read
 * answers from an entity's memory in a few milliseconds, a write waits tens of milliseconds for the
 * journal while using little CPU. Under one shared limit the slow writes filled it, and reads — 75 %
 * of the traffic and the cheapest to serve — were shed though the CPU had room: at 8x the
 * connections of the peak run the goodput fell to 0.13 of the peak's (docs/performance.md). Each
 * limit moves inside a band: Netflix's Gradient2 (concurrency-limits) lowers it when the latency of
 * that class's admitted requests climbs above their long-term average (a queue is forming in the
 * dispatcher, the entity mailboxes or the PostgreSQL pool) and raises it while latency stays flat,
 * but never below {@code min-limit} ({@code write-min-limit} for session writes; latency also rises
 * when the CPU is busy answering 503s, and a lower limit then only cuts goodput) nor above
 * {@code max-limit} ({@code write-max-limit}). In a lasting overload, while reads are being shed,
 * session writes are held below their floor ({@link WriteCap}), so that the admitted mix does not
 * turn write-heavy. Vegas is not offered: it has no floor, and its no-load baseline is the minimum
 * latency ever seen, which on a busy, shared machine is an outlier.
 *
 * <p>Tiles and search (bulk) have a fixed budget of their own and are shed first: as soon as reads
 * or session writes fill {@code share.bulk} of their limit (see {@link #tryAcquireBulk}). Leaves
 * (erasures) wait for the read side by design and have a fixed budget too ({@code erasure-limit}),
 * shed only when it is full; neither teaches an adaptive limit its latency. Health checks never
 * pass through here.
 *
 * <p>A refused request costs an atomic read and a counter increment; the API ({@code ApiRoutes}) asks before
 * routing, so the 503 stays fast however deep the overload. Shed counts are kept per route
 * template.
 */
public final class LoadShedder {
  private final Map<Priority, ClassLimit> classes = new EnumMap<>(Priority.class);
  private final double bulkShare;
  private final Budget bulk;
  private final Budget erasure;
  private final Map<String, LongAdder> shed = new ConcurrentHashMap<>();
  private final WriteCap writeCap;
  private final ReadPressure readPressure;
  private final LongSupplier nanoTime;

  /**
   * Session writes under a lasting overload. Their floor ({@code write-min-limit}) keeps writes
   * admitted through a short stall of the journal, but in a lasting overload it kept admitting
   * them while reads were shed: a write costs about eight reads' CPU, so the admitted mix turned
   * write-heavy and the goodput fell (docs/performance.md, "Overload: what the admitted mix
   * becomes"). While reads have been shed in at least {@code readShedShare} of their arrivals over
   * the last window (of at least {@code minArrivals} reads), session writes are held to
   * {@code limit} in flight.
   */
  record WriteCap(int limit, double readShedShare, long windowNanos, int minArrivals) {
    /** No cap: writes keep their own limit whatever happens to reads. */
    static final WriteCap NONE = new WriteCap(Integer.MAX_VALUE, 1, TimeUnit.SECONDS.toNanos(1), Integer.MAX_VALUE);
  }

  /**
   * A shedder with {@code limits} for reads and session writes, bulk's share and budget, and the
   * budget of erasures; session writes are never capped under overload.
   */
  LoadShedder(Map<Priority, Limit> limits, double bulkShare, int bulkLimit, int erasureLimit) {
    this(limits, bulkShare, bulkLimit, erasureLimit, WriteCap.NONE, System::nanoTime);
  }

  /** A shedder as above whose session writes are capped by {@code writeCap}, timed by {@code nanoTime}. */
  LoadShedder(Map<Priority, Limit> limits, double bulkShare, int bulkLimit, int erasureLimit, WriteCap writeCap,
      LongSupplier nanoTime) {
    for (Priority priority : List.of(Priority.SESSION_WRITE, Priority.READ)) {
      Limit limit = limits.get(priority);
      if (limit == null) {
        throw new IllegalArgumentException("no limit for " + priority);
      }
      classes.put(priority, new ClassLimit(limit));
    }
    this.bulkShare = bulkShare;
    this.bulk = new Budget(bulkLimit);
    this.erasure = new Budget(erasureLimit);
    this.writeCap = writeCap;
    this.nanoTime = nanoTime;
    this.readPressure = new ReadPressure(nanoTime.getAsLong());
  }

  /** The shedder {@code weltgewebe.http.shedding} describes: one limit of that kind per class. */
  public static LoadShedder from(Config shedding) {
    Map<Priority, Limit> limits = new EnumMap<>(Priority.class);
    limits.put(Priority.SESSION_WRITE, limit(shedding, shedding.getInt("write-min-limit"), shedding.getInt("write-max-limit")));
    limits.put(Priority.READ, limit(shedding, shedding.getInt("min-limit"), shedding.getInt("max-limit")));
    WriteCap writeCap = new WriteCap(shedding.getInt("write-overload-limit"), shedding.getDouble("overload-read-shed-share"),
        shedding.getDuration("window", TimeUnit.NANOSECONDS), shedding.getInt("window-samples"));
    return new LoadShedder(limits, shedding.getDouble("share.bulk"), shedding.getInt("bulk-limit"),
        shedding.getInt("erasure-limit"), writeCap, System::nanoTime);
  }

  /** The limit {@code shedding} describes, between {@code floor} and {@code ceiling} (gradient2). */
  private static Limit limit(Config shedding, int floor, int ceiling) {
    if (ceiling < floor) {
      throw new IllegalArgumentException("weltgewebe.http.shedding: a class's max limit (" + ceiling + ") is below its min limit (" + floor + ")");
    }
    int initial = shedding.getInt("initial-limit");
    String algorithm = shedding.getString("algorithm");
    if (algorithm.equals("fixed")) {
      return FixedLimit.of(initial);
    }
    if (algorithm.equals("gradient2")) {
      long window = shedding.getDuration("window", TimeUnit.NANOSECONDS);
      return WindowedLimit.newBuilder()
          .minWindowTime(window, TimeUnit.NANOSECONDS)
          .maxWindowTime(window, TimeUnit.NANOSECONDS)
          .windowSize(shedding.getInt("window-samples"))
          .build(
              Gradient2Limit.newBuilder()
                  .initialLimit(Math.max(initial, floor))
                  .minLimit(floor)
                  .maxConcurrency(ceiling)
                  .queueSize(shedding.getInt("queue-size"))
                  .rttTolerance(shedding.getDouble("rtt-tolerance"))
                  .build());
    }
    throw new IllegalArgumentException(
        "weltgewebe.http.shedding.algorithm must be gradient2 or fixed, not " + algorithm);
  }

  /** A permit to run a request of {@code endpoint}, or empty when it must be shed. */
  public Optional<Permit> tryAcquire(Endpoint endpoint) {
    if (endpoint.priority() == Priority.BULK) {
      return tryAcquireBulk(endpoint);
    }
    if (endpoint.priority() == Priority.ERASURE) {
      return admitted(endpoint, erasure.tryTake() ? erasure : null);
    }
    ClassLimit limited = classes.get(endpoint.priority());
    boolean read = endpoint.priority() == Priority.READ;
    int limit = read || !readPressure.overloaded() ? limited.current : Math.min(limited.current, writeCap.limit());
    while (true) {
      int now = limited.inFlight.get();
      if (now >= limit) {
        countShed(endpoint);
        if (read) {
          readPressure.arrived(true);
        }
        return Optional.empty();
      }
      if (limited.inFlight.compareAndSet(now, now + 1)) {
        if (read) {
          readPressure.arrived(false);
        }
        return Optional.of(new Permit(nanoTime, nanoTime.getAsLong(), now + 1, limited, null));
      }
    }
  }

  /** Whether reads are shed in a lasting overload, so that session writes are capped ({@link WriteCap}). */
  boolean readsOverloaded() {
    return readPressure.overloaded();
  }

  /**
   * How many of the reads that arrived in the last window were shed. The window rolls with the
   * first read after it ended; a verdict older than two windows (no reads came) no longer counts.
   */
  private final class ReadPressure {
    private final AtomicLong windowStart;
    private final LongAdder arrivals = new LongAdder();
    private final LongAdder shed = new LongAdder();
    private volatile boolean overloaded;

    ReadPressure(long start) {
      this.windowStart = new AtomicLong(start);
    }

    void arrived(boolean wasShed) {
      long now = nanoTime.getAsLong();
      long start = windowStart.get();
      if (now - start >= writeCap.windowNanos() && windowStart.compareAndSet(start, now)) {
        long total = arrivals.sumThenReset();
        long refused = shed.sumThenReset();
        overloaded = total >= writeCap.minArrivals() && refused >= writeCap.readShedShare() * total;
      }
      arrivals.increment();
      if (wasShed) {
        shed.increment();
      }
    }

    boolean overloaded() {
      return overloaded && nanoTime.getAsLong() - windowStart.get() < 2 * writeCap.windowNanos();
    }
  }

  /**
   * Tiles and search cost a millisecond and touch no entity, and a browser asks for a viewport's
   * tiles six at a time: counted against an adaptive limit (set around the knee of reads or
   * writes) they would be shed at a handful in flight under normal load. So they have a budget of
   * their own ({@code bulk-limit}) and do not teach any limit their latency, but are still shed
   * first: as soon as reads or session writes fill {@code share.bulk} of their limit, which only
   * happens near overload.
   */
  private Optional<Permit> tryAcquireBulk(Endpoint endpoint) {
    return admitted(endpoint, !nearOverload() && bulk.tryTake() ? bulk : null);
  }

  /** A permit on {@code taken}, the budget a request was admitted on, or empty (shed) if none. */
  private Optional<Permit> admitted(Endpoint endpoint, Budget taken) {
    if (taken == null) {
      countShed(endpoint);
      return Optional.empty();
    }
    return Optional.of(new Permit(nanoTime, nanoTime.getAsLong(), 0, null, taken));
  }

  private boolean nearOverload() {
    for (ClassLimit limited : classes.values()) {
      if (limited.inFlight.get() >= Math.max(1, (int) Math.floor(limited.current * bulkShare))) {
        return true;
      }
    }
    return false;
  }

  private void countShed(Endpoint endpoint) {
    shed.computeIfAbsent(endpoint.toString(), k -> new LongAdder()).increment();
  }

  /** Requests shed so far, per endpoint ({@code "POST /conversations/{id}/messages"}). */
  Map<String, Long> shedCounts() {
    Map<String, Long> counts = new TreeMap<>();
    shed.forEach((endpoint, count) -> counts.put(endpoint, count.sum()));
    return counts;
  }

  /** The current limit of reads or session writes. */
  int limit(Priority priority) {
    return classes.get(priority).current;
  }

  /** Requests in flight, bulk and erasures included. */
  int inFlight() {
    int sum = bulk.inFlight.get() + erasure.inFlight.get();
    for (ClassLimit limited : classes.values()) {
      sum += limited.inFlight.get();
    }
    return sum;
  }

  /** One class's adaptive limit and the requests of that class in flight. */
  private static final class ClassLimit {
    final Limit limit;
    final AtomicInteger inFlight = new AtomicInteger();
    volatile int current;

    ClassLimit(Limit limit) {
      this.limit = limit;
      this.current = limit.getLimit();
      limit.notifyOnChange(changed -> current = changed);
    }
  }

  /** A fixed number of requests in flight: bulk's and erasures'. */
  private static final class Budget {
    final int limit;
    final AtomicInteger inFlight = new AtomicInteger();

    Budget(int limit) {
      this.limit = limit;
    }

    boolean tryTake() {
      while (true) {
        int now = inFlight.get();
        if (now >= limit) {
          return false;
        }
        if (inFlight.compareAndSet(now, now + 1)) {
          return true;
        }
      }
    }
  }

  /** An admitted request; released once its response is ready. */
  public static final class Permit {
    private final LongSupplier nanoTime;
    private final long startNanos;
    private final int inFlightAtStart;
    private final ClassLimit limited;
    private final Budget budget;

    private Permit(LongSupplier nanoTime, long startNanos, int inFlightAtStart, ClassLimit limited, Budget budget) {
      this.nanoTime = nanoTime;
      this.startNanos = startNanos;
      this.inFlightAtStart = inFlightAtStart;
      this.limited = limited;
      this.budget = budget;
    }

    /**
     * Ends the request. {@code dropped} tells the limit the request failed from overload (an entity
     * timed out): the limit then backs off as it would for a latency rise.
     */
    public void release(boolean dropped) {
      if (budget != null) {
        budget.inFlight.decrementAndGet();
        return;
      }
      limited.inFlight.decrementAndGet();
      limited.limit.onSample(startNanos, nanoTime.getAsLong() - startNanos, inFlightAtStart, dropped);
    }
  }
}

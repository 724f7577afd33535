package org.weltgewebe.cluster.load;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * What virtual users measured, per phase, 10-second window and action: outcome counts and
 * HdrHistograms of latency (microseconds, 3 significant digits). A worker records into one and
 * sends its {@link #entries()} to the driver, which {@link #add}s every worker's entries into one
 * tally of its own: histograms merge without losing their percentiles, which averaging the
 * workers' percentiles would. Thread-safe.
 */
public final class Tally {
  /** The width of a window, as the run report's windows have it. */
  public static final long WINDOW_MILLIS = 10_000;
  private static final long MAX_MICROS = 120_000_000L;
  private static final int SIGNIFICANT_DIGITS = 3;

  /** How one command ended. */
  public enum Outcome {
    /** The entity answered and did what was asked. */
    OK,
    /** The entity refused with a reason: what the API answers as a 4xx. */
    REFUSED,
    /** No answer within the ask timeout. */
    TIMEOUT,
    /** Any other failure (the ask could not be delivered, or the operation threw). */
    FAILURE
  }

  /**
   * One cell of a tally as it travels: counts and the compressed encodings of the latency of all
   * answered commands ({@code answered}: ok and refused) and of the ok ones alone.
   */
  public record Entry(
      String phase,
      long window,
      String action,
      long ok,
      long refused,
      long timeouts,
      long failures,
      byte[] answered,
      byte[] okLatency) {}

  /** A snapshot of one cell: copies of its histograms, safe to read and merge. */
  public record Stats(
      String phase,
      long window,
      String action,
      long ok,
      long refused,
      long timeouts,
      long failures,
      Histogram answered,
      Histogram okLatency) {

    /** Every command counted, answered or not. */
    public long requests() {
      return ok + refused + timeouts + failures;
    }

    /** The sum of {@code stats} under {@code phase}, {@code window} and {@code action}. */
    public static Stats sum(String phase, long window, String action, List<Stats> stats) {
      Cell total = new Cell();
      for (Stats s : stats) {
        total.add(s.ok, s.refused, s.timeouts, s.failures, s.answered, s.okLatency);
      }
      return total.stats(phase, window, action);
    }
  }

  private record Key(String phase, long window, String action) {}

  private static final class Cell {
    final Histogram answered = new Histogram(MAX_MICROS, SIGNIFICANT_DIGITS);
    final Histogram okLatency = new Histogram(MAX_MICROS, SIGNIFICANT_DIGITS);
    long ok;
    long refused;
    long timeouts;
    long failures;

    synchronized void record(long micros, Outcome outcome) {
      long v = Math.max(1, Math.min(MAX_MICROS, micros));
      switch (outcome) {
        case OK -> {
          ok++;
          answered.recordValue(v);
          okLatency.recordValue(v);
        }
        case REFUSED -> {
          refused++;
          answered.recordValue(v);
        }
        case TIMEOUT -> timeouts++;
        case FAILURE -> failures++;
      }
    }

    synchronized void add(long ok, long refused, long timeouts, long failures, Histogram answered, Histogram okLatency) {
      this.ok += ok;
      this.refused += refused;
      this.timeouts += timeouts;
      this.failures += failures;
      this.answered.add(answered);
      this.okLatency.add(okLatency);
    }

    synchronized Stats stats(String phase, long window, String action) {
      return new Stats(phase, window, action, ok, refused, timeouts, failures, answered.copy(), okLatency.copy());
    }

    synchronized Entry entry(Key key) {
      return new Entry(key.phase, key.window, key.action, ok, refused, timeouts, failures, encode(answered), encode(okLatency));
    }
  }

  private final long originEpochMillis;
  private final Map<Key, Cell> cells = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  /** A tally whose windows count from {@code originEpochMillis} (the driver's start, the same for every worker). */
  public Tally(long originEpochMillis) {
    this.originEpochMillis = originEpochMillis;
  }

  /**
   * One command of {@code action} in {@code phase}, due at {@code dueEpochMillis}, that took
   * {@code micros} from when it was due (not from when it was sent: a worker that falls behind
   * shows it as latency) and ended as {@code outcome}.
   */
  public void record(String phase, String action, long dueEpochMillis, long micros, Outcome outcome) {
    long window = Math.floorDiv(dueEpochMillis - originEpochMillis, WINDOW_MILLIS);
    cells.computeIfAbsent(new Key(phase, window, action), k -> new Cell()).record(micros, outcome);
    requests.incrementAndGet();
    if (outcome == Outcome.OK) {
      ok.incrementAndGet();
    } else if (outcome != Outcome.REFUSED) {
      errors.incrementAndGet();
    }
  }

  /** Adds what another tally sent (its histograms decoded and merged into this one's). */
  public void add(Entry entry) {
    Cell cell = cells.computeIfAbsent(new Key(entry.phase(), entry.window(), entry.action()), k -> new Cell());
    cell.add(entry.ok(), entry.refused(), entry.timeouts(), entry.failures(), decode(entry.answered()), decode(entry.okLatency()));
    long n = entry.ok() + entry.refused() + entry.timeouts() + entry.failures();
    requests.addAndGet(n);
    ok.addAndGet(entry.ok());
    errors.addAndGet(entry.timeouts() + entry.failures());
  }

  /** Every cell, encoded to travel. */
  public List<Entry> entries() {
    List<Entry> list = new ArrayList<>();
    cells.forEach((key, cell) -> list.add(cell.entry(key)));
    list.sort(Comparator.comparing(Entry::phase).thenComparingLong(Entry::window).thenComparing(Entry::action));
    return list;
  }

  /** A snapshot of every cell, ordered by phase, window and action. */
  public List<Stats> stats() {
    List<Stats> list = new ArrayList<>();
    cells.forEach((key, cell) -> list.add(cell.stats(key.phase, key.window, key.action)));
    list.sort(Comparator.comparing(Stats::phase).thenComparingLong(Stats::window).thenComparing(Stats::action));
    return list;
  }

  /** Commands recorded or added so far. */
  public long requests() {
    return requests.get();
  }

  /** Of those, the ones that ended ok. */
  public long ok() {
    return ok.get();
  }

  /** Of those, the timeouts and failures (refusals are answers, not errors). */
  public long errors() {
    return errors.get();
  }

  static byte[] encode(Histogram histogram) {
    ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
    int length = histogram.encodeIntoCompressedByteBuffer(buffer);
    return Arrays.copyOf(buffer.array(), length);
  }

  static Histogram decode(byte[] encoded) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 0);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("not a compressed HdrHistogram: " + e.getMessage(), e);
    }
  }
}

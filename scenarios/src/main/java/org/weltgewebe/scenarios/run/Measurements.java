package org.weltgewebe.scenarios.run;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.weltgewebe.reports.RunReport;

/**
 * What the clients measured, per phase and route, and in 10-second windows: outcome counts and
 * HdrHistograms of latency (microseconds, 3 significant digits). Thread-safe; every request
 * records once.
 */
final class Measurements {
  static final long WINDOW_MILLIS = 10_000;
  private static final long MAX_MICROS = 120_000_000L;

  /** Per phase: when its first request started and its last answer came (epoch millis). */
  private final java.util.concurrent.ConcurrentHashMap<String, long[]> spans = new java.util.concurrent.ConcurrentHashMap<>();
  private final long startMillis = System.currentTimeMillis();
  private final Map<String, Stats> byRoute = new ConcurrentHashMap<>();
  private final Map<String, Stats> byWindow = new ConcurrentHashMap<>();
  // Per wall second, all routes together: the fault timeline's resolution (a 10-s window hides a
  // recovery of a few seconds).
  private final Map<Long, Stats> bySecond = new ConcurrentHashMap<>();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong ok = new AtomicLong();
  final AtomicLong shed = new AtomicLong();
  final AtomicLong errors = new AtomicLong();

  private static final class Stats {
    final String phase;
    final String method;
    final String route;
    final long window;
    final Histogram all = new Histogram(MAX_MICROS, 3);
    final Histogram okLatency = new Histogram(MAX_MICROS, 3);
    final Histogram shedLatency = new Histogram(MAX_MICROS, 3);
    long requests;
    long ok;
    long clientErrors;
    long shed;
    long serverErrors;
    long timeouts;
    long bytes;

    Stats(String phase, String method, String route, long window) {
      this.phase = phase;
      this.method = method;
      this.route = route;
      this.window = window;
    }

    synchronized void add(int status, long micros, long bytesReceived, boolean timedOut) {
      requests++;
      bytes += bytesReceived;
      long v = Math.max(1, Math.min(MAX_MICROS, micros));
      if (timedOut) {
        timeouts++;
        return;
      }
      all.recordValue(v);
      if (status == 503) {
        shed++;
        shedLatency.recordValue(v);
      } else if (status >= 500) {
        serverErrors++;
      } else if (status >= 400) {
        clientErrors++;
      } else {
        ok++;
        okLatency.recordValue(v);
      }
    }

    /** Adds {@code other}'s requests and histograms to these (this one is not shared yet). */
    void add(Stats other) {
      synchronized (other) {
        all.add(other.all);
        okLatency.add(other.okLatency);
        shedLatency.add(other.shedLatency);
        requests += other.requests;
        ok += other.ok;
        clientErrors += other.clientErrors;
        shed += other.shed;
        serverErrors += other.serverErrors;
        timeouts += other.timeouts;
        bytes += other.bytes;
      }
    }
  }

  /** One request: its phase, route, when it started, how long it took, its status (0 when none came). */
  void record(String phase, String method, String route, long startMillis, long micros, int status, long bytes, boolean timedOut) {
    long endMillis = startMillis + micros / 1000;
    spans.merge(phase, new long[] {startMillis, endMillis}, (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
    byRoute.computeIfAbsent(phase + '|' + method + ' ' + route, k -> new Stats(phase, method, route, -1))
        .add(status, micros, bytes, timedOut);
    long window = (startMillis - this.startMillis) / WINDOW_MILLIS;
    byWindow.computeIfAbsent(phase + '|' + window + '|' + method + ' ' + route, k -> new Stats(phase, method, route, window))
        .add(status, micros, bytes, timedOut);
    byWindow.computeIfAbsent(phase + '|' + window + "|*", k -> new Stats(phase, "*", "*", window))
        .add(status, micros, bytes, timedOut);
    bySecond.computeIfAbsent(startMillis / 1000, k -> new Stats(phase, "*", "*", k)).add(status, micros, bytes, timedOut);
    requests.incrementAndGet();
    if (timedOut || status >= 500) {
      errors.incrementAndGet();
      if (status == 503) {
        shed.incrementAndGet();
      }
    } else if (status < 400) {
      ok.incrementAndGet();
    }
  }

  /** Seconds from {@code phase}'s first request to its last answer; empty before its first. */
  java.util.OptionalDouble activeSeconds(String phase) {
    long[] span = spans.get(phase);
    return span == null ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of((span[1] - span[0]) / 1000.0);
  }

  List<RouteMeasure> measures(String phase) {
    List<RouteMeasure> list = new ArrayList<>();
    for (Stats s : byRoute.values()) {
      if (!s.phase.equals(phase)) {
        continue;
      }
      synchronized (s) {
        list.add(new RouteMeasure(phase, s.method, s.route, s.requests, s.ok, s.clientErrors, s.shed, s.serverErrors,
            s.timeouts, s.bytes, latency(s.all), latency(s.okLatency), latency(s.shedLatency)));
      }
    }
    list.sort(Comparator.comparing(RouteMeasure::route).thenComparing(RouteMeasure::method));
    return list;
  }

  /** Per-route measurements of several phases together, as one phase named after the first (histograms merged). */
  List<RouteMeasure> measures(List<String> phases) {
    Map<String, Stats> merged = new java.util.TreeMap<>();
    for (Stats s : byRoute.values()) {
      if (!phases.contains(s.phase)) {
        continue;
      }
      Stats into = merged.computeIfAbsent(s.method + ' ' + s.route, k -> new Stats(phases.get(0), s.method, s.route, -1));
      into.add(s);
    }
    List<RouteMeasure> list = new ArrayList<>();
    for (Stats s : merged.values()) {
      list.add(new RouteMeasure(s.phase, s.method, s.route, s.requests, s.ok, s.clientErrors, s.shed, s.serverErrors,
          s.timeouts, s.bytes, latency(s.all), latency(s.okLatency), latency(s.shedLatency)));
    }
    list.sort(Comparator.comparing(RouteMeasure::route).thenComparing(RouteMeasure::method));
    return list;
  }

  List<RunReport.Window> windows() {
    List<RunReport.Window> list = new ArrayList<>();
    for (Stats s : byWindow.values()) {
      synchronized (s) {
        list.add(new RunReport.Window(s.phase, s.window * WINDOW_MILLIS / 1000.0, s.method, s.route, s.requests, s.ok, s.shed,
            s.shed + s.serverErrors + s.timeouts, ms(s.all, 50), ms(s.all, 95), ms(s.all, 99)));
      }
    }
    list.sort(Comparator.comparingDouble(RunReport.Window::offsetSeconds).thenComparing(RunReport.Window::route));
    return list;
  }

  /** Every wall second in which a request started, all routes together, in order. */
  List<Load.Second> seconds() {
    List<Load.Second> list = new ArrayList<>();
    for (Stats s : bySecond.values()) {
      synchronized (s) {
        list.add(new Load.Second(s.window, s.phase, s.requests, s.ok, s.shed, s.serverErrors + s.timeouts, ms(s.okLatency, 95)));
      }
    }
    list.sort(Comparator.comparingLong(Load.Second::epochSecond));
    return list;
  }

  /** See {@link Load#slidingWindows}; a window offset is its first second since the measurements began. */
  List<RunReport.Window> slidingWindows(String phase, int seconds) {
    List<Stats> inPhase = bySecond.values().stream()
        .filter(s -> s.phase.equals(phase))
        .sorted(Comparator.comparingLong(s -> s.window))
        .toList();
    List<RunReport.Window> list = new ArrayList<>();
    if (inPhase.size() < 2 + seconds) {
      return list;
    }
    List<Stats> whole = inPhase.subList(1, inPhase.size() - 1);
    for (int i = 0; i + seconds <= whole.size(); i++) {
      // a second in which no request started: the window would not be `seconds` long
      if (whole.get(i + seconds - 1).window - whole.get(i).window != seconds - 1) {
        continue;
      }
      Stats window = new Stats(phase, "*", "*", whole.get(i).window);
      whole.subList(i, i + seconds).forEach(window::add);
      list.add(new RunReport.Window(phase, window.window - startMillis / 1000.0, "*", "*",
          window.requests, window.ok, window.shed, window.shed + window.serverErrors + window.timeouts,
          ms(window.all, 50), ms(window.all, 95), ms(window.all, 99)));
    }
    return list;
  }

  private static RunReport.Latency latency(Histogram h) {
    return new RunReport.Latency(ms(h, 50), ms(h, 90), ms(h, 95), ms(h, 99), h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0,
        h.getTotalCount() == 0 ? 0 : h.getMean() / 1000.0);
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }
}

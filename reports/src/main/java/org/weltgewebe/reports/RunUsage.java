package org.weltgewebe.reports;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one run measured per unit of work, the figures the cost and what-if models scale: CPU
 * seconds per session and per request of the main phase, bytes sent per session and per tile, heap
 * per node, journal bytes per persisted event, JetStream bytes per message.
 *
 * <p>CPU: {@link RunReport.ServerUsage#cpuSeconds()} covers the whole run (generator ceiling,
 * main, probe, overload, drain), so the main phase's share is taken from {@code cpuSecondsByPhase}
 * when the report has it, else estimated as the main phase's share of all requests answered.
 * {@link #cpuBasis} says which.
 *
 * <p>The main phase's CPU includes what a node burns regardless of load (cluster heartbeats, the
 * outbox relay, metrics, JIT compilation early in the run), which at S1's few requests per second
 * is most of it. {@code loadedCpuSecondsPerRequest} is the overload phase's CPU per request offered,
 * the marginal cost of a request on a busy node (NaN when the report has no per-phase CPU).
 */
public record RunUsage(
    String runId,
    String scenarioId,
    long sessions,
    long mainRequests,
    long tileRequests,
    double mainSeconds,
    double mainCpuSeconds,
    String cpuBasis,
    double cpuSecondsPerSession,
    double cpuSecondsPerRequest,
    double apiBytesPerSession,
    double tileBytesPerHit,
    double heapMaxBytes,
    double journalBytesPerEvent,
    double streamBytesPerMessage,
    double loadedCpuSecondsPerRequest,
    int nodes,
    int coresPerNode) {

  /** Cores assumed when the report does not name them (this project's reference machine has 2). */
  static final int DEFAULT_CORES = 2;
  private static final Pattern CORES = Pattern.compile("(\\d+)\\s+cores?");

  /** The per-unit use of {@code report}'s main phase. */
  public static RunUsage of(RunReport report) {
    long requests = 0;
    long tiles = 0;
    long apiBytes = 0;
    long tileBytes = 0;
    for (RunReport.RouteResult r : report.routes()) {
      requests += r.requests();
      if (isTile(r.route())) {
        tiles += r.requests();
        tileBytes += r.bytesReceived();
      } else {
        apiBytes += r.bytesReceived();
      }
    }
    RunReport.ServerUsage server = report.server();
    double mainCpu;
    String basis;
    Map<String, Double> byPhase = server.cpuSecondsByPhase();
    if (byPhase != null && byPhase.get("main") != null && Double.isFinite(byPhase.get("main"))) {
      mainCpu = byPhase.get("main");
      basis = String.format("main phase's CPU seconds (%.1f of %.1f s in the run)", mainCpu, server.cpuSeconds());
    } else if (Double.isFinite(server.cpuSeconds())) {
      double share = mainShareOfRequests(report);
      mainCpu = server.cpuSeconds() * share;
      basis = String.format("run's CPU seconds × main phase's share of requests (%.0f %%; no per-phase CPU in this report)", share * 100);
    } else {
      mainCpu = Double.NaN;
      basis = "not measured (" + server.source() + ")";
    }
    long sessions = report.totals().sessions();
    int nodes = Math.max(1, report.settings().nodes());
    double events = server.eventsPersisted();
    double loaded = Double.NaN;
    if (byPhase != null && byPhase.get("overload") != null && report.overload().offered() > 0) {
      loaded = byPhase.get("overload") / report.overload().offered();
    }
    return new RunUsage(
        report.runId(),
        report.scenario().id(),
        sessions,
        requests,
        tiles,
        mainSeconds(report),
        mainCpu,
        basis,
        sessions > 0 ? mainCpu / sessions : Double.NaN,
        requests > 0 ? mainCpu / requests : Double.NaN,
        sessions > 0 ? (double) apiBytes / sessions : Double.NaN,
        tiles > 0 ? (double) tileBytes / tiles : Double.NaN,
        server.heapUsedMaxBytes(),
        events > 0 && server.journalBytesGrowth() > 0 ? server.journalBytesGrowth() / events : Double.NaN,
        server.streamBytesPerMessage(),
        loaded,
        nodes,
        coresPerNode(report.settings().host()));
  }

  static boolean isTile(String route) {
    return route.startsWith("/tiles/");
  }

  /** Cores of one node, read from the host description ("name, 2 cores"). */
  static int coresPerNode(String host) {
    if (host != null) {
      Matcher m = CORES.matcher(host);
      if (m.find()) {
        return Math.max(1, Integer.parseInt(m.group(1)));
      }
    }
    return DEFAULT_CORES;
  }

  /** The main phase's share of all requests in the timeline (all-routes windows). */
  static double mainShareOfRequests(RunReport report) {
    long main = 0;
    long all = 0;
    for (RunReport.Window w : report.timeline()) {
      if (w.route().equals("*")) {
        all += w.requests();
        if (w.phase().equals("main")) {
          main += w.requests();
        }
      }
    }
    return all > 0 ? (double) main / all : 1.0;
  }

  /** Wall seconds the main phase's windows span (10-second windows). */
  static double mainSeconds(RunReport report) {
    double first = Double.POSITIVE_INFINITY;
    double last = Double.NEGATIVE_INFINITY;
    for (RunReport.Window w : report.timeline()) {
      if (w.phase().equals("main") && w.route().equals("*")) {
        first = Math.min(first, w.offsetSeconds());
        last = Math.max(last, w.offsetSeconds());
      }
    }
    if (first == Double.POSITIVE_INFINITY) {
      return report.settings().virtualHours() * 3600 / Math.max(1, report.settings().compression());
    }
    return last - first + 10;
  }

  /** Requests per session in the main phase (tiles included). */
  public double requestsPerSession() {
    return sessions > 0 ? (double) mainRequests / sessions : Double.NaN;
  }

  /** Whether CPU was measured at all. */
  public boolean cpuMeasured() {
    return Double.isFinite(mainCpuSeconds);
  }
}
